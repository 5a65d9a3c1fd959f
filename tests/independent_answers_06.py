"""Chapter 6's tasks, answered by an independent tester: wrong answers a student plausibly writes and
right answers written otherwise than the reference, written from the task texts, the reference
solutions and the cells around them (not from the book's own lists in test_student_edition.py).

Same format as WRONG_ANSWERS / OTHER_RIGHT_ANSWERS there: keys (chapter, task number from 0); wrong
entries (what is wrong, code, part of the check's message), right entries (how it is written, code).
Task 3 and 5 wrong answers use a stand-in history (no training) unless the mistake is in the call of
fit; their right answers train (two for the FCN, one for the CNN).

The tester ran them against the checks as first rewritten: every right answer passed; ReLU6 units,
fc1 as nn.LazyLinear, training on the validation faces, an untrained CNN with an honest history and
a face drawn upside down got through or crashed the check. The checks were fixed for each, and
test_student_edition.py now runs this set with the book's own (labels "independent: ...").
"""
from __future__ import annotations

CH = "06_facial_keypoints.ipynb"


# ------------------------------------------------------------------------------------------------
# Small builders
# ------------------------------------------------------------------------------------------------
def arrays(X_fcn="images.astype(np.float32) / 255.0", X_cnn="X_fcn.reshape(-1, 1, 96, 96)",
           y='df_complete.drop(columns="Image").to_numpy(dtype=np.float32)'):
    return f"X_fcn = {X_fcn}\nX_cnn = {X_cnn}\ny = {y}\n"


def fcn_sequential(*layers):
    body = ",\n            ".join(layers)
    return ("class KeypointFCN(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            f"        self.net = nn.Sequential(\n            {body},\n        )\n\n"
            "    def forward(self, x):\n        return self.net(x)\n")


FCN_LAYERS = ["nn.Linear(9216, 1024)", "nn.ReLU()", "nn.Dropout(0.3)",
              "nn.Linear(1024, 512)", "nn.ReLU()", "nn.Dropout(0.3)", "nn.Linear(512, 30)"]


def fcn_layers(**changed):
    """FCN_LAYERS with some replaced: position -> new layer (None drops it)."""
    layers = list(FCN_LAYERS)
    for position, layer in sorted(((int(k[1:]), v) for k, v in changed.items()), reverse=True):
        if layer is None:
            del layers[position]
        else:
            layers[position] = layer
    return fcn_sequential(*layers)


def fcn_explicit(fc1="nn.Linear(9216, 1024)", fc2="nn.Linear(1024, 512)", fc3="nn.Linear(512, 30)",
                 drop="nn.Dropout(0.3)", h1="self.drop(F.relu(self.fc1(x)))",
                 h2="self.drop(F.relu(self.fc2(x)))", out="self.fc3(x)", first=""):
    return ("class KeypointFCN(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            f"        self.fc1 = {fc1}\n        self.fc2 = {fc2}\n        self.fc3 = {fc3}\n"
            f"        self.drop = {drop}\n\n    def forward(self, x):\n{first}"
            f"        x = {h1}\n        x = {h2}\n        return {out}\n")


def cnn(conv=("nn.Conv2d(1, 32, 3)", "nn.Conv2d(32, 64, 3)", "nn.Conv2d(64, 128, 3)"),
        pool="nn.MaxPool2d(2, 2)", fc1="nn.Linear(128 * 10 * 10, 256)", fc2="nn.Linear(256, 128)",
        fc3="nn.Linear(128, 30)", d1="nn.Dropout(0.1)", d2="nn.Dropout(0.2)",
        block="self.pool(F.relu({conv}(x)))", flatten="torch.flatten(x, 1)",
        h1="self.dropout1(F.relu(self.fc1(x)))", h2="self.dropout2(F.relu(self.fc2(x)))",
        out="self.fc3(x)", names=("dropout1", "dropout2")):
    blocks = "".join(f"        x = {block.format(conv=f'self.conv{k}')}\n" for k in (1, 2, 3))
    return ("class KeypointCNN(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            f"        self.conv1 = {conv[0]}\n        self.conv2 = {conv[1]}\n"
            f"        self.conv3 = {conv[2]}\n        self.pool = {pool}\n"
            f"        self.fc1 = {fc1}\n        self.fc2 = {fc2}\n        self.fc3 = {fc3}\n"
            f"        self.{names[0]} = {d1}\n        self.{names[1]} = {d2}\n\n"
            f"    def forward(self, x):\n{blocks}        x = {flatten}\n"
            f"        x = {h1.replace('dropout1', names[0])}\n"
            f"        x = {h2.replace('dropout2', names[1])}\n        return {out}\n")


def stand_in(net, history="{{'train': [1.0] * num_epochs, 'val': [1.0] * num_epochs}}",
             y_hat="predict({net}, X_val_{net})", rmse_of="rmse(y_hat_{net}, y_val)"):
    """A network's results without training: a made-up history, then its predictions and RMSE."""
    return (f"history_{net} = {history.format(net=net)}\n"
            f"y_hat_{net} = {y_hat.format(net=net)}\nrmse_{net} = {rmse_of.format(net=net)}\n")


def honest_history():
    """A history (template for stand_in) whose last validation loss is the network's, so that only
    the mistake shows."""
    return ("{{'train': [1.0] * num_epochs, 'val': [1.0] * (num_epochs - 1)"
            " + [evaluate({net}, val_loader_{net}, nn.MSELoss())]}}")


def figure(faces="[3, 1, 4, 15, 9]", grid="1, 5", image="X_fcn[val_idx[i]].reshape(96, 96)",
           imshow="", truth="y_val[i, 0::2], y_val[i, 1::2]",
           fcn="y_hat_fcn[i, 0::2], y_hat_fcn[i, 1::2]", cnn="y_hat_cnn[i, 0::2], y_hat_cnn[i, 1::2]",
           labels=("truth", "FCN", "CNN"), extra=""):
    return (f"fig, axes = plt.subplots({grid}, figsize=(12, 3))\n"
            f"for ax, i in zip(axes.flat, {faces}):\n"
            f"    ax.imshow({image}, cmap='gray'{imshow})\n"
            f"    ax.scatter({truth}, c='limegreen', s=10, label={labels[0]!r})\n"
            f"    ax.scatter({fcn}, c='red', marker='x', s=10, label={labels[1]!r})\n"
            f"    ax.scatter({cnn}, c='blue', marker='x', s=10, label={labels[2]!r})\n"
            f"    ax.axis('off')\n{extra}plt.show()\n")


def _edit(source, *replacements):
    """source with each (old, new) replaced; each old must occur in it."""
    for old, new in replacements:
        assert old in source, old
        source = source.replace(old, new)
    return source


ARCH = "of KeypointFCN should get"
CNN_ARCH = "of KeypointCNN should get"

WRONG_ANSWERS_06 = {
    # 0: df_complete
    (CH, 0): [
        ("index not reset", "df_complete = df.dropna()\n", "number the faces 0, 1, 2"),
        ("reset_index keeps the old index as a column",
         "df_complete = df.dropna().reset_index()\n", "keep the 31 columns"),
        ("dropna(how='all') keeps incomplete faces",
         "df_complete = df.dropna(how='all').reset_index(drop=True)\n", "missing values"),
        ("only faces with the eye centre labelled",
         "df_complete = df.dropna(subset=['left_eye_center_x', 'left_eye_center_y'])"
         ".reset_index(drop=True)\n", "missing values"),
        ("missing values filled with the column means",
         "df_complete = df.fillna(df.mean(numeric_only=True))\n", "faces, but"),
        ("the keypoint columns without Image",
         "df_complete = df.dropna().drop(columns='Image').reset_index(drop=True)\n",
         "keep the 31 columns"),
        ("dropna(axis=1) drops columns", "df_complete = df.dropna(axis=1)\n", "keep the 31 columns"),
        ("a NumPy array", "df_complete = df.dropna().reset_index(drop=True).to_numpy()\n",
         "make it a DataFrame"),
        ("shuffled faces",
         "df_complete = df.dropna().sample(frac=1, random_state=0).reset_index(drop=True)\n",
         "in their order"),
        ("sorted by a column",
         "df_complete = df.dropna().sort_values('nose_tip_y').reset_index(drop=True)\n",
         "in their order"),
        ("faces with at least 4 keypoints",
         "df_complete = df[df.notna().sum(axis=1) >= 9].reset_index(drop=True)\n", "missing values"),
        ("the complete faces without the last one",
         "df_complete = df.dropna().reset_index(drop=True).iloc[:-1]\n", "faces, but"),
    ],
    # 1: X_fcn, X_cnn, y
    (CH, 1): [
        ("grey levels not scaled", arrays(X_fcn="images.astype(np.float32)"), "scale the grey levels"),
        ("float64 after the division", arrays(X_fcn="images / 255"), "convert it with .astype(np.float32)"),
        ("integer division", arrays(X_fcn="images // 255"), "holds uint8"),
        ("divided by 256", arrays(X_fcn="images.astype(np.float32) / 256"), "divided by 255"),
        ("scaled to [-1, 1]", arrays(X_fcn="images.astype(np.float32) / 127.5 - 1"), "scale the grey levels"),
        ("channels last", arrays(X_cnn="X_fcn.reshape(-1, 96, 96, 1)"), "X_cnn has shape"),
        ("no channel axis", arrays(X_cnn="X_fcn.reshape(-1, 96, 96)"), "X_cnn has shape"),
        ("transposed images", arrays(X_cnn="X_fcn.reshape(-1, 1, 96, 96).transpose(0, 1, 3, 2)"),
         "row after row"),
        ("X_cnn from the unscaled grey levels",
         arrays(X_cnn="images.reshape(-1, 1, 96, 96).astype(np.float32)"), "X_cnn should hold the pixels"),
        ("y left float64", arrays(y="df_complete.drop(columns='Image').to_numpy()"), "y holds float64"),
        ("y from all the faces of df",
         arrays(y="df.drop(columns='Image').to_numpy(dtype=np.float32)"), "y has shape"),
        ("y a torch tensor",
         arrays(y="torch.tensor(df_complete.drop(columns='Image').to_numpy(), dtype=torch.float32)"),
         "y is a Tensor"),
        ("X_fcn a torch tensor", arrays(X_fcn="torch.from_numpy(images).float() / 255",
                                        X_cnn="X_fcn.reshape(-1, 1, 96, 96).numpy()"),
         "X_fcn is a Tensor"),
        ("all x, then all y",
         arrays(y="df_complete[[f'{k}_{a}' for a in 'xy' for k in KEYPOINT_NAMES]]"
                  ".to_numpy(np.float32)"), "in their order"),
        ("y standardised already",
         arrays(y="(lambda t: (t - t.mean(0)) / t.std(0))"
                  "(df_complete.drop(columns='Image').to_numpy(np.float32))"), "30 keypoint columns"),
        ("y scaled to [-1, 1] as in some tutorials",
         arrays(y="(df_complete.drop(columns='Image').to_numpy(np.float32) - 48) / 48"),
         "30 keypoint columns"),
        ("X_fcn standardised per image instead of scaled",
         arrays(X_fcn="((images - images.mean(1, keepdims=True)) / images.std(1, keepdims=True))"
                      ".astype(np.float32)"), "scale the grey levels"),
    ],
    # 2: KeypointFCN
    (CH, 2): [
        ("hidden sizes swapped", fcn_layers(l0="nn.Linear(9216, 512)", l3="nn.Linear(512, 1024)",
                                            l6="nn.Linear(1024, 30)"), "gives 512 values per image"),
        ("round hidden sizes", fcn_explicit(fc1="nn.Linear(9216, 1000)", fc2="nn.Linear(1000, 500)",
                                            fc3="nn.Linear(500, 30)"), "gives 1000 values"),
        ("sigmoid units", fcn_layers(l1="nn.Sigmoid()", l4="nn.Sigmoid()"), ARCH),
        ("tanh units", fcn_explicit(h1="self.drop(torch.tanh(self.fc1(x)))",
                                    h2="self.drop(torch.tanh(self.fc2(x)))"), ARCH),
        ("leaky ReLU", fcn_layers(l1="nn.LeakyReLU()", l4="nn.LeakyReLU()"), ARCH),
        ("no ReLU on the second hidden layer", fcn_layers(l4=None), ARCH),
        ("dropout 0.5", fcn_layers(l2="nn.Dropout(0.5)", l5="nn.Dropout(0.5)"),
         "has probability 0.5; the task asks for 0.3"),
        ("dropout 0.7, a keep probability", fcn_explicit(drop="nn.Dropout(0.7)"),
         "the task asks for 0.3"),
        ("no dropout at all", fcn_layers(l2=None, l5=None), "no dropout between"),
        ("dropout after the first hidden layer only", fcn_layers(l5=None), "no dropout between net.3 and net.5"),
        ("ReLU6 units", fcn_layers(l1="nn.ReLU6()", l4="nn.ReLU6()"), ARCH),
        ("dropout on the input as well",
         fcn_explicit(first="        x = self.drop(x)\n"), "should get the images themselves"),
        ("dropout on the output", fcn_explicit(out="self.drop(self.fc3(x))"), "no activation or dropout"),
        ("ReLU on the output", fcn_explicit(out="F.relu(self.fc3(x))"), "no activation or dropout"),
        ("sigmoid on the output", fcn_sequential(*FCN_LAYERS, "nn.Sigmoid()"), "no activation or dropout"),
        ("F.dropout without training=self.training",
         fcn_explicit(h1="F.dropout(F.relu(self.fc1(x)), 0.3)", h2="F.dropout(F.relu(self.fc2(x)), 0.3)"),
         "in evaluation mode (model.eval()) there is still a dropout"),
        ("a third hidden layer",
         fcn_sequential(*FCN_LAYERS[:6], "nn.Linear(512, 256)", "nn.ReLU()", "nn.Dropout(0.3)",
                        "nn.Linear(256, 30)"), "values per image"),
        ("no biases", fcn_explicit(fc1="nn.Linear(9216, 1024, bias=False)",
                                   fc2="nn.Linear(1024, 512, bias=False)"), "9,978,398"),
        ("batch normalisation added",
         fcn_layers(l1="nn.Sequential(nn.BatchNorm1d(1024), nn.ReLU())",
                    l4="nn.Sequential(nn.BatchNorm1d(512), nn.ReLU())"), ARCH),
    ],
    # 3: training the FCN (stand-in histories unless the mistake is in fit's call)
    (CH, 3): [
        ("predicts the training faces",
         stand_in("fcn", y_hat="predict(fcn, X_train_fcn)", rmse_of="rmse(y_hat_fcn, y_train)"),
         "y_hat_fcn has shape"),
        ("predicts the unstandardised images", stand_in("fcn", y_hat="predict(fcn, X_fcn[val_idx])"),
         "is not what the trained fcn predicts"),
        ("predictions left in standard units",
         stand_in("fcn", y_hat="fcn.eval()(torch.from_numpy(X_val_fcn).to(device))"
                               ".detach().cpu().numpy()"), "not in pixels"),
        ("predicts in training mode (dropout on)",
         stand_in("fcn", y_hat="to_pixels(fcn.train()(torch.from_numpy(X_val_fcn).to(device))"
                               ".detach().cpu().numpy())"), "is not what the trained fcn predicts"),
        ("to_pixels applied twice", stand_in("fcn", y_hat="to_pixels(predict(fcn, X_val_fcn))"),
         "not in pixels"),
        ("predictions a torch tensor",
         stand_in("fcn", y_hat="torch.from_numpy(predict(fcn, X_val_fcn))",
                  rmse_of="rmse(y_hat_{net}.numpy(), y_val)"), "keep the NumPy array"),
        ("RMSE against the standardised targets", stand_in("fcn", rmse_of="rmse(y_hat_fcn, z_val)"),
         "but the RMSE of y_hat_fcn"),
        ("MSE, not its root", stand_in("fcn", rmse_of="float(np.mean((y_hat_fcn - y_val) ** 2))"),
         "but the RMSE of y_hat_fcn"),
        ("RMSE per coordinate",
         stand_in("fcn", rmse_of="np.sqrt(np.mean((y_hat_fcn - y_val) ** 2, axis=0))"),
         "rmse_fcn is a ndarray"),
        ("RMSE as a tensor",
         stand_in("fcn", rmse_of="torch.sqrt(torch.mean(torch.from_numpy(y_hat_fcn - y_val) ** 2))"),
         "rmse_fcn is a Tensor"),
        ("RMSE as a formatted string", stand_in("fcn", rmse_of="f'{{rmse(y_hat_fcn, y_val):.2f}}'"),
         "rmse_fcn is a str"),
        ("20 epochs, not num_epochs", stand_in("fcn", history="{{'train': [1.0] * 20, 'val': [1.0] * 20}}"),
         "has 20 epochs"),
        ("history a list of losses", stand_in("fcn", history="[1.0] * num_epochs"),
         "should be the history that fit returns"),
        ("a made-up history (fcn never trained)", stand_in("fcn"), "fcn was not trained on train_loader_fcn"),
        ("loaders swapped in fit",
         "history_fcn = fit(fcn, val_loader_fcn, train_loader_fcn, num_epochs=num_epochs)\n"
         "y_hat_fcn = predict(fcn, X_val_fcn)\nrmse_fcn = rmse(y_hat_fcn, y_val)\n",
         "the last validation loss"),
        ("predictions a list", stand_in("fcn", y_hat="predict(fcn, X_val_fcn).tolist()",
                                        rmse_of="rmse(np.array(y_hat_fcn), y_val)"), "y_hat_fcn is a list"),
        ("trained on the validation faces",
         "history_fcn = fit(fcn, val_loader_fcn, val_loader_fcn, num_epochs=num_epochs)\n"
         "y_hat_fcn = predict(fcn, X_val_fcn)\nrmse_fcn = rmse(y_hat_fcn, y_val)\n"
         "print(f'{rmse_fcn=:.3f} {rmse_mean=:.3f}')\n", "train_loader_fcn"),
    ],
    # 4: KeypointCNN
    (CH, 4): [
        ("average pooling", cnn(pool="nn.AvgPool2d(2, 2)"), "max-pooled over 2x2 windows"),
        ("padding 1 (and fc1 resized)",
         cnn(conv=("nn.Conv2d(1, 32, 3, padding=1)", "nn.Conv2d(32, 64, 3, padding=1)",
                   "nn.Conv2d(64, 128, 3, padding=1)"), fc1="nn.Linear(128 * 12 * 12, 256)"),
         "layer conv1 of KeypointCNN gives (32, 96, 96)"),
        ("5x5 kernels (and fc1 resized)",
         cnn(conv=("nn.Conv2d(1, 32, 5)", "nn.Conv2d(32, 64, 5)", "nn.Conv2d(64, 128, 5)"),
             fc1="nn.Linear(128 * 8 * 8, 256)"), "gives (32, 92, 92)"),
        ("filters 32, 64, 64",
         cnn(conv=("nn.Conv2d(1, 32, 3)", "nn.Conv2d(32, 64, 3)", "nn.Conv2d(64, 64, 3)"),
             fc1="nn.Linear(64 * 10 * 10, 256)"), "gives (64, 20, 20)"),
        ("no pooling after conv3",
         "class KeypointCNN(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
         "        self.conv1 = nn.Conv2d(1, 32, 3)\n        self.conv2 = nn.Conv2d(32, 64, 3)\n"
         "        self.conv3 = nn.Conv2d(64, 128, 3)\n        self.pool = nn.MaxPool2d(2)\n"
         "        self.fc1 = nn.Linear(128 * 20 * 20, 256)\n        self.fc2 = nn.Linear(256, 128)\n"
         "        self.fc3 = nn.Linear(128, 30)\n        self.dropout1 = nn.Dropout(0.1)\n"
         "        self.dropout2 = nn.Dropout(0.2)\n\n    def forward(self, x):\n"
         "        x = self.pool(F.relu(self.conv1(x)))\n        x = self.pool(F.relu(self.conv2(x)))\n"
         "        x = F.relu(self.conv3(x)).flatten(1)\n"
         "        x = self.dropout1(F.relu(self.fc1(x)))\n        x = self.dropout2(F.relu(self.fc2(x)))\n"
         "        return self.fc3(x)\n", "layer fc1 of KeypointCNN should get"),
        ("no ReLU in the convolution blocks", cnn(block="self.pool({conv}(x))"), CNN_ARCH),
        ("dropout rates swapped", cnn(d1="nn.Dropout(0.2)", d2="nn.Dropout(0.1)"),
         "has probability 0.2; the task asks for 0.1"),
        ("dropouts applied in swapped places",
         cnn(h1="self.dropout2(F.relu(self.fc1(x)))", h2="self.dropout1(F.relu(self.fc2(x)))"),
         "has probability 0.2; the task asks for 0.1"),
        ("dropouts defined but never applied",
         cnn(h1="F.relu(self.fc1(x))", h2="F.relu(self.fc2(x))"), "no dropout between fc1 and fc2"),
        ("dropout on the flattened maps instead of after fc1",
         cnn(flatten="self.dropout1(torch.flatten(x, 1))", h1="F.relu(self.fc1(x))"),
         "the task puts no dropout between conv3 and fc1"),
        ("dropout in the convolution blocks",
         cnn(block="self.dropout1(self.pool(F.relu({conv}(x))))"), "the task puts none there"),
        ("no ReLU after fc2", cnn(h2="self.dropout2(self.fc2(x))"), "layer fc3 of KeypointCNN should get"),
        ("ReLU on the output", cnn(out="F.relu(self.fc3(x))"), "no activation or dropout"),
        ("F.dropout without training=self.training",
         cnn(h1="F.dropout(F.relu(self.fc1(x)), 0.1)", h2="F.dropout(F.relu(self.fc2(x)), 0.2)"),
         "in evaluation mode (model.eval()) there is still a dropout"),
        ("other attribute names for the dropouts", cnn(names=("drop1", "drop2")),
         "KeypointCNN has no dropout1, dropout2"),
        ("x.view, which fails on channels-last maps", cnn(flatten="x.view(-1, 128 * 10 * 10)"),
         "x.flatten(1)"),
        ("3 input channels", cnn(conv=("nn.Conv2d(3, 32, 3)", "nn.Conv2d(32, 64, 3)",
                                       "nn.Conv2d(64, 128, 3)")), "fails in evaluation mode"),
        ("pooling with stride 1 (and fc1 resized)",
         cnn(pool="nn.MaxPool2d(2, stride=1)", fc1="nn.Linear(128 * 88 * 88, 256)"),
         "layer conv2 of KeypointCNN gives (64, 91, 91)"),
        ("no biases in the convolutions",
         cnn(conv=("nn.Conv2d(1, 32, 3, bias=False)", "nn.Conv2d(32, 64, 3, bias=False)",
                   "nn.Conv2d(64, 128, 3, bias=False)")), "3,406,494"),
        ("15 outputs", cnn(fc3="nn.Linear(128, 15)"), "gives 15 values per image"),
        ("ReLU6 everywhere", cnn(block="self.pool(F.relu6({conv}(x)))",
                                 h1="self.dropout1(F.relu6(self.fc1(x)))",
                                 h2="self.dropout2(F.relu6(self.fc2(x)))"), CNN_ARCH),
        # nn.LazyLinear: a fresh KeypointCNN cannot be moved to channels-last (.to(memory_format=...) before
        # any forward), which the check and the better-CNN cells below do; reject it, with a message
        ("fc1 as nn.LazyLinear",
         cnn(fc1="nn.LazyLinear(256)"), "KeypointCNN() cannot be stored channels-last"),
    ],
    # 5: training the CNN (stand-ins)
    (CH, 5): [
        ("copy-paste: predicts with the FCN", stand_in("cnn", y_hat="predict(fcn, X_val_fcn)"),
         "is not what the trained cnn predicts"),
        ("copy-paste: the FCN's RMSE", stand_in("cnn", history=honest_history(), rmse_of="rmse_fcn"),
         "rmse_cnn is"),
        ("copy-paste: the FCN's history", stand_in("cnn", history="history_fcn"),
         "cnn was not trained on train_loader_cnn"),
        ("predicts the unstandardised images", stand_in("cnn", y_hat="predict(cnn, X_cnn[val_idx])"),
         "is not what the trained cnn predicts"),
        ("predicts the training faces",
         stand_in("cnn", y_hat="predict(cnn, X_train_cnn)", rmse_of="rmse(y_hat_cnn, y_train)"),
         "y_hat_cnn has shape"),
        ("predictions left in standard units",
         stand_in("cnn", y_hat="cnn.eval()(torch.from_numpy(X_val_cnn).to(device)).detach().cpu().numpy()"),
         "not in pixels"),
        ("RMSE against the training targets",
         stand_in("cnn", rmse_of="rmse(predict(cnn, X_train_cnn), y_train)"), "but the RMSE of y_hat_cnn"),
        ("one epoch", stand_in("cnn", history="{{'train': [1.0], 'val': [1.0]}}"), "has 1 epochs"),
        ("the untrained CNN with an honest history",
         stand_in("cnn", history=honest_history()) + "print(f'{rmse_cnn=:.3f} {rmse_mean=:.3f}')\n",
         "cnn was not trained on train_loader_cnn"),
        ("trained on the validation faces",
         "history_cnn = fit(cnn, val_loader_cnn, val_loader_cnn, num_epochs=num_epochs)\n"
         "y_hat_cnn = predict(cnn, X_val_cnn)\nrmse_cnn = rmse(y_hat_cnn, y_val)\n"
         "print(f'{rmse_cnn=:.3f} {rmse_mean=:.3f}')\n", "train_loader_cnn"),
    ],
    # 6: the figure
    (CH, 6): [
        ("four faces", figure(faces="[3, 1, 4, 15]", grid="1, 4"), "fig shows 4 faces"),
        ("six faces", figure(faces="range(6)", grid="2, 3"), "fig shows 6 faces"),
        ("the same face five times", figure(faces="[7] * 5"), "draw five different faces"),
        ("x and y swapped", figure(truth="y_val[i, 1::2], y_val[i, 0::2]"), "the truth layer is no"),
        ("x and y swapped in the predictions",
         figure(fcn="y_hat_fcn[i, 1::2], y_hat_fcn[i, 0::2]", cnn="y_hat_cnn[i, 1::2], y_hat_cnn[i, 0::2]"),
         "the FCN layer is not"),
        ("the truth of training faces", figure(truth="y_train[i, 0::2], y_train[i, 1::2]"),
         "the truth layer is no"),
        ("the image of face i of X_fcn, not of validation face i",
         figure(image="X_fcn[i].reshape(96, 96)"), "the image is not the face"),
        ("the image of a training face", figure(image="X_fcn[train_idx[i]].reshape(96, 96)"),
         "the image is not the face"),
        ("transposed image", figure(image="X_fcn[val_idx[i]].reshape(96, 96).T"), "the image is not the face"),
        ("FCN and CNN labels swapped", figure(labels=("truth", "CNN", "FCN")), "the FCN layer is not"),
        ("other label words", figure(labels=("true", "FCN", "CNN")), "no layer labelled 'truth'"),
        ("no CNN layer",
         _edit(figure(), ("    ax.scatter(y_hat_cnn[i, 0::2], y_hat_cnn[i, 1::2], c='blue', marker='x', s=10,"
                          " label='CNN')\n", "")), "no layer labelled 'CNN'"),
        ("the FCN's prediction of face 0 on every face",
         figure(fcn="y_hat_fcn[0, 0::2], y_hat_fcn[0, 1::2]"), "the FCN layer is not"),
        ("keypoints of all faces, not one",
         figure(truth="y_val[:, 0::2].ravel(), y_val[:, 1::2].ravel()"), "each layer should have"),
        ("x from the first 15 columns, y from the last 15",
         figure(truth="y_val[i, :15], y_val[i, 15:]"), "the truth layer is no"),
        ("plt.plot instead of labelled scatter layers",
         "fig, axes = plt.subplots(1, 5)\nfor ax, i in zip(axes, range(5)):\n"
         "    ax.imshow(X_fcn[val_idx[i]].reshape(96, 96), cmap='gray')\n"
         "    ax.plot(y_val[i, 0::2], y_val[i, 1::2], 'g.', label='truth')\n"
         "    ax.plot(y_hat_fcn[i, 0::2], y_hat_fcn[i, 1::2], 'rx', label='FCN')\n"
         "    ax.plot(y_hat_cnn[i, 0::2], y_hat_cnn[i, 1::2], 'bx', label='CNN')\nplt.show()\n",
         "a face has no layer labelled"),
        ("the face drawn upside down (origin='lower')", figure(imshow=", origin='lower'"), "upside down"),
        ("the y axis inverted after imshow", figure(extra="    ax.invert_yaxis()\n"), "upside down"),
        ("the figure not named fig",
         "figure, axes = plt.subplots(1, 5)\nfor ax, i in zip(axes, range(5)):\n"
         "    ax.imshow(X_fcn[val_idx[i]].reshape(96, 96), cmap='gray')\n"
         "    ax.scatter(y_val[i, 0::2], y_val[i, 1::2], label='truth')\n"
         "    ax.scatter(y_hat_fcn[i, 0::2], y_hat_fcn[i, 1::2], label='FCN')\n"
         "    ax.scatter(y_hat_cnn[i, 0::2], y_hat_cnn[i, 1::2], label='CNN')\nplt.show()\n",
         "fig shows 0 faces"),
    ],
}

OTHER_RIGHT_ANSWERS_06 = {
    (CH, 0): [
        ("boolean mask with all", "df_complete = df[df.notna().all(axis=1)].reset_index(drop=True)\n"),
        ("dropna(ignore_index=True)", "df_complete = df.dropna(ignore_index=True)\n"),
        ("in place, step by step",
         "df_complete = df.copy()\ndf_complete.dropna(inplace=True)\n"
         "df_complete.reset_index(drop=True, inplace=True)\n"),
        ("thresh=31 and a new range index",
         "df_complete = df.dropna(thresh=31)\ndf_complete.index = range(len(df_complete))\n"),
        ("loc with ~isna().any()", "df_complete = df.loc[~df.isna().any(axis=1)].reset_index(drop=True)\n"),
        ("count of labelled columns", "df_complete = df[df.count(axis=1) == 31].reset_index(drop=True)\n"),
    ],
    (CH, 1): [
        ("divide, then cast", arrays(X_fcn="(images / 255).astype(np.float32)")),
        ("np.divide with a dtype", arrays(X_fcn="np.divide(images, 255, dtype=np.float32)")),
        ("through torch", arrays(X_fcn="torch.from_numpy(images).float().div(255).numpy()")),
        ("channel axis with np.newaxis", arrays(X_cnn="X_fcn.reshape(-1, 96, 96)[:, np.newaxis]")),
        ("expand_dims and iloc for y",
         arrays(X_cnn="np.expand_dims(X_fcn.reshape(len(X_fcn), 96, 96), 1)",
                y="df_complete.iloc[:, :30].to_numpy().astype(np.float32)")),
        ("y from the columns other than Image",
         arrays(y="df_complete.loc[:, df_complete.columns != 'Image'].values.astype('float32')")),
        ("y column by column in the keypoint order",
         arrays(y="np.stack([df_complete[f'{k}_{a}'] for k in KEYPOINT_NAMES for a in 'xy'], axis=1)"
                  ".astype(np.float32)")),
        ("multiplied by 1/255, X_cnn a copy",
         arrays(X_fcn="images.astype(np.float32) * (1 / 255)", X_cnn="X_fcn.reshape(len(X_fcn), 1, 96, 96).copy()")),
    ],
    (CH, 2): [
        ("nn.Sequential", fcn_sequential(*FCN_LAYERS)),
        ("KeypointFCN is an nn.Sequential",
         "class KeypointFCN(nn.Sequential):\n    def __init__(self):\n        super().__init__(\n"
         "            nn.Linear(9216, 1024), nn.ReLU(), nn.Dropout(0.3),\n"
         "            nn.Linear(1024, 512), nn.ReLU(), nn.Dropout(0.3),\n"
         "            nn.Linear(512, 30),\n        )\n"),
        ("F.dropout with training=self.training",
         fcn_explicit(h1="F.dropout(F.relu(self.fc1(x)), p=0.3, training=self.training)",
                      h2="F.dropout(F.relu(self.fc2(x)), p=0.3, training=self.training)")),
        ("Xavier initialisation",
         fcn_explicit().replace(
             "        self.drop = nn.Dropout(0.3)\n",
             "        self.drop = nn.Dropout(0.3)\n        for layer in (self.fc1, self.fc2, self.fc3):\n"
             "            nn.init.xavier_uniform_(layer.weight)\n            nn.init.zeros_(layer.bias)\n")),
        ("dropout before the ReLU",
         fcn_explicit(h1="F.relu(self.drop(self.fc1(x)))", h2="F.relu(self.drop(self.fc2(x)))")),
        ("in-place ReLU and dropout modules, with nn.Flatten",
         fcn_sequential("nn.Flatten()", "nn.Linear(96 * 96, 1024)", "nn.ReLU(inplace=True)",
                        "nn.Dropout(p=0.3, inplace=True)", "nn.Linear(1024, 512)", "nn.ReLU(inplace=True)",
                        "nn.Dropout(p=0.3, inplace=True)", "nn.Linear(512, 30)")),
        ("clamp and torch.relu, two dropout modules, x.view",
         "class KeypointFCN(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
         "        self.hidden1 = nn.Linear(9216, 1024)\n        self.hidden2 = nn.Linear(1024, 512)\n"
         "        self.output = nn.Linear(512, 30)\n        self.drop1 = nn.Dropout(0.3)\n"
         "        self.drop2 = nn.Dropout(0.3)\n\n    def forward(self, x):\n"
         "        x = x.view(x.size(0), -1)\n        x = self.drop1(self.hidden1(x).clamp(min=0))\n"
         "        x = self.drop2(torch.relu(self.hidden2(x)))\n        return self.output(x)\n"),
        ("a ModuleList loop",
         "class KeypointFCN(nn.Module):\n    def __init__(self, sizes=(9216, 1024, 512)):\n"
         "        super().__init__()\n        self.hidden = nn.ModuleList(\n"
         "            nn.Linear(a, b) for a, b in zip(sizes, sizes[1:])\n        )\n"
         "        self.out = nn.Linear(sizes[-1], 30)\n        self.dropout = nn.Dropout(0.3)\n\n"
         "    def forward(self, x):\n        for layer in self.hidden:\n"
         "            x = self.dropout(F.relu(layer(x)))\n        return self.out(x)\n"),
    ],
    (CH, 3): [
        ("positional num_epochs, RMSE by hand",
         "history_fcn = fit(fcn, train_loader_fcn, val_loader_fcn, num_epochs)\n"
         "y_hat_fcn = predict(fcn, X_val_fcn)\n"
         "from sklearn.metrics import mean_squared_error\n"
         "rmse_fcn = mean_squared_error(y_val, y_hat_fcn) ** 0.5\n"),
        ("keywords, predictions by hand, rmse a NumPy float",
         "history_fcn = fit(model=fcn, train_loader=train_loader_fcn, val_loader=val_loader_fcn,\n"
         "                  num_epochs=num_epochs, desc='FCN')\n"
         "fcn.eval()\nwith torch.no_grad():\n"
         "    z_hat = fcn(torch.from_numpy(X_val_fcn).to(device)).cpu().numpy()\n"
         "y_hat_fcn = to_pixels(z_hat)\n"
         "rmse_fcn = np.sqrt(((y_hat_fcn - y_val) ** 2).mean())\n"),
    ],
    (CH, 4): [
        ("ReLU before pooling, with F.max_pool2d, nn.Flatten",
         "class KeypointCNN(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
         "        self.conv1 = nn.Conv2d(1, 32, kernel_size=(3, 3))\n"
         "        self.conv2 = nn.Conv2d(32, 64, kernel_size=(3, 3))\n"
         "        self.conv3 = nn.Conv2d(64, 128, kernel_size=(3, 3))\n"
         "        self.pool = nn.MaxPool2d(kernel_size=2)\n        self.flatten = nn.Flatten()\n"
         "        self.fc1 = nn.Linear(12800, 256)\n        self.fc2 = nn.Linear(256, 128)\n"
         "        self.fc3 = nn.Linear(128, 30)\n        self.dropout1 = nn.Dropout(p=0.1)\n"
         "        self.dropout2 = nn.Dropout(p=0.2)\n\n    def forward(self, x):\n"
         "        x = F.max_pool2d(F.relu(self.conv1(x)), 2)\n"
         "        x = F.max_pool2d(F.relu(self.conv2(x)), 2)\n"
         "        x = F.max_pool2d(F.relu(self.conv3(x)), 2)\n        x = self.flatten(x)\n"
         "        x = self.dropout1(F.relu(self.fc1(x)))\n"
         "        x = self.dropout2(F.relu(self.fc2(x)))\n        return self.fc3(x)\n"),
        ("Sequential blocks built from the named layers",
         "class KeypointCNN(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
         "        self.conv1 = nn.Conv2d(1, 32, 3)\n        self.conv2 = nn.Conv2d(32, 64, 3)\n"
         "        self.conv3 = nn.Conv2d(64, 128, 3)\n        self.pool = nn.MaxPool2d(2, 2)\n"
         "        self.fc1 = nn.Linear(128 * 10 * 10, 256)\n        self.fc2 = nn.Linear(256, 128)\n"
         "        self.fc3 = nn.Linear(128, 30)\n        self.dropout1 = nn.Dropout(0.1)\n"
         "        self.dropout2 = nn.Dropout(0.2)\n"
         "        self.features = nn.Sequential(\n"
         "            self.conv1, nn.ReLU(), self.pool, self.conv2, nn.ReLU(), self.pool,\n"
         "            self.conv3, nn.ReLU(), self.pool, nn.Flatten(),\n        )\n"
         "        self.head = nn.Sequential(\n"
         "            self.fc1, nn.ReLU(), self.dropout1, self.fc2, nn.ReLU(), self.dropout2, self.fc3,\n"
         "        )\n\n    def forward(self, x):\n        return self.head(self.features(x))\n"),
        ("reshape and functional dropout", cnn(flatten="x.reshape(x.size(0), -1)",
                                               h1="F.dropout(F.relu(self.fc1(x)), 0.1, self.training)",
                                               h2="F.dropout(F.relu(self.fc2(x)), 0.2, self.training)")),
        ("nn.ReLU modules, dropout before the ReLU, padding='valid'",
         cnn(conv=("nn.Conv2d(1, 32, 3, padding='valid')", "nn.Conv2d(32, 64, 3, padding='valid')",
                   "nn.Conv2d(64, 128, 3, padding='valid')"),
             block="F.relu(self.pool({conv}(x)))",
             h1="F.relu(self.dropout1(self.fc1(x)))", h2="F.relu(self.dropout2(self.fc2(x)))")),
        ("a loop over the convolutions, x.flatten(start_dim=1)",
         "class KeypointCNN(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
         "        channels = [1, 32, 64, 128]\n        for k in range(3):\n"
         "            setattr(self, f'conv{k + 1}', nn.Conv2d(channels[k], channels[k + 1], 3))\n"
         "        self.pool = nn.MaxPool2d(2)\n        self.fc1 = nn.Linear(128 * 10 * 10, 256)\n"
         "        self.fc2 = nn.Linear(256, 128)\n        self.fc3 = nn.Linear(128, 30)\n"
         "        self.dropout1, self.dropout2 = nn.Dropout(0.1), nn.Dropout(0.2)\n\n"
         "    def forward(self, x):\n        for conv in (self.conv1, self.conv2, self.conv3):\n"
         "            x = self.pool(torch.relu(conv(x)))\n        x = x.flatten(start_dim=1)\n"
         "        x = self.dropout1(torch.relu(self.fc1(x)))\n"
         "        x = self.dropout2(torch.relu(self.fc2(x)))\n        return self.fc3(x)\n"),
    ],
    (CH, 5): [
        ("positional arguments, rmse with the arguments swapped, smaller prediction batches",
         "history_cnn = fit(cnn, train_loader_cnn, val_loader_cnn, num_epochs, desc='CNN')\n"
         "y_hat_cnn = predict(cnn, X_val_cnn, batch_size=64)\nrmse_cnn = rmse(y_val, y_hat_cnn)\n"),
    ],
    (CH, 6): [
        ("standardised validation images, reshape into (15, 2)",
         "fig, axes = plt.subplots(1, 5, figsize=(14, 3))\n"
         "for ax, i in zip(axes, [0, 10, 20, 30, 40]):\n"
         "    ax.imshow(X_val_fcn[i].reshape(96, 96), cmap='gray')\n"
         "    for points, label in [(y_val[i], 'truth'), (y_hat_fcn[i], 'FCN'), (y_hat_cnn[i], 'CNN')]:\n"
         "        points = points.reshape(15, 2)\n"
         "        ax.scatter(points[:, 0], points[:, 1], s=10, label=label)\n"
         "axes[0].legend()\nplt.show()\n"),
        ("raw grey levels 0..255", figure(image="images[val_idx[i]].reshape(96, 96)")),
        ("X_cnn channel 0, truth from y[val_idx]",
         figure(image="X_cnn[val_idx[i], 0]", truth="y[val_idx[i], 0::2], y[val_idx[i], 1::2]")),
        ("X_val_cnn squeezed, vmin/vmax", figure(image="X_val_cnn[i].squeeze()", imshow=", vmin=-3, vmax=3")),
        ("a colour bar beside each face",
         figure(extra="    fig.colorbar(ax.images[0], ax=ax, shrink=0.6)\n")),
        ("2x3 grid, the sixth panel empty",
         figure(faces="range(5)", grid="2, 3", extra="axes.flat[5].set_visible(False)\n")),
        ("five rows, seeded choice, scatter keywords",
         "picked = np.random.default_rng(42).choice(len(y_val), 5, replace=False)\n"
         "fig, axes = plt.subplots(5, 1, figsize=(3, 15))\n"
         "for ax, i in zip(axes, picked):\n"
         "    ax.imshow(X_fcn[val_idx[i]].reshape(96, 96), cmap='gray')\n"
         "    ax.scatter(x=y_val[i][::2], y=y_val[i][1::2], label='truth')\n"
         "    ax.scatter(x=y_hat_fcn[i][::2], y=y_hat_fcn[i][1::2], marker='x', label='FCN')\n"
         "    ax.scatter(x=y_hat_cnn[i][::2], y=y_hat_cnn[i][1::2], marker='+', label='CNN')\n"
         "    ax.legend(fontsize=6)\nfig.suptitle('Five validation faces')\nplt.show()\n"),
        ("fig.add_subplot, a fourth layer with the mean face",
         "fig = plt.figure(figsize=(14, 3))\nfor j, i in enumerate([5, 6, 7, 8, 9]):\n"
         "    ax = fig.add_subplot(1, 5, j + 1)\n"
         "    ax.imshow(X_fcn[val_idx[i]].reshape(96, 96), cmap='gray')\n"
         "    ax.scatter(y_mean[0::2], y_mean[1::2], c='yellow', s=5, label='mean face')\n"
         "    ax.scatter(y_val[i, 0::2], y_val[i, 1::2], label='truth')\n"
         "    ax.scatter(y_hat_fcn[i, 0::2], y_hat_fcn[i, 1::2], label='FCN')\n"
         "    ax.scatter(y_hat_cnn[i, 0::2], y_hat_cnn[i, 1::2], label='CNN')\n"
         "    ax.set_title(f'face {i}')\nplt.show()\n"),
    ],
}
