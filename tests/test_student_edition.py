"""The student edition (student_edition/): the generator's rules on small notebooks, then the chapters.

For every chapter with tasks, one kernel walks its student notebook from the top, as a student
would: the cells before the first stub must run cleanly, and every stub must stop with
NotImplementedError. At each stub, every wrong answer of WRONG_ANSWERS is run with the check cell
that follows, in a copy of the notebook's namespace (so that it leaves nothing behind), and the
check must fail with its message; then the reference solution (the source's tagged cell) goes in
and the walk goes on. That second half is the round trip: the student notebook with the
solutions put back runs to the end, every check passing.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from student_edition import generate, leaks  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import independent_answers_03  # noqa: E402
import independent_answers_06  # noqa: E402

CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))


def _read(path):
    return nbformat.read(path, as_version=4)


def _tasks(nb):
    return [c for c in nb.cells if c.cell_type == "code" and generate.is_solution_cell(c)]


WITH_TASKS = [p for p in CHAPTERS if _tasks(_read(p))]

# Chapter 3's reference answers, in which a wrong answer changes one or two terms
RIGHT_DELTA_2 = "-2 * (y - y_hat) * gp(a1_2)"
RIGHT_IN_ORDER_OF_W = ["delta_2 * w11_2 * gp(a1_1) * x", "delta_2 * w21_2 * gp(a2_1) * x",
                       "delta_2 * z1", "delta_2 * z2"]


def _four_gradients(delta_2=RIGHT_DELTA_2, **changed):
    terms = dict(zip(["dL_dw11_1", "dL_dw12_1", "dL_dw11_2", "dL_dw21_2"], RIGHT_IN_ORDER_OF_W))
    return f"delta_2 = {delta_2}\n" + "".join(f"{n} = {changed.get(n, t)}\n" for n, t in terms.items())


def _symbolic_gradients(returned=RIGHT_IN_ORDER_OF_W, delta_2=RIGHT_DELTA_2):
    return ("def symbolic_gradients(w, x, y):\n    w11_1, w12_1, w11_2, w21_2 = w\n"
            "    L, (a1_1, z1, a2_1, z2, a1_2, y_hat) = forward(w, x, y)\n"
            f"    delta_2 = {delta_2}\n    return torch.stack([{', '.join(returned)}])\n")


# Wrong answers per task, (chapter, task number from 0): (what is wrong, code, part of the message).
WRONG_ANSWERS = {
    ("03_backprop_exercise.ipynb", 0): [
        ("without torch.no_grad, which the task names", _four_gradients(),
         "dL_dw11_2 carries a graph (requires_grad=True): compute it inside torch.no_grad(), as the task says."),
        ("sign of delta_2", _four_gradients(delta_2="2 * (y - y_hat) * gp(a1_2)"),
         "All four are -1 times autograd's: the mistake is in the factor they share, delta_2."),
        ("factor x missing", _four_gradients(dL_dw11_1="delta_2 * w11_2 * gp(a1_1)"),
         "dL_dw11_1 is 0.5230, autograd's is -0.8892 (-0.588 times as much): "
         "follow w11_1 -> a1_1 -> z1 -> a1_2 -> y_hat -> L, one factor of the chain rule per arrow."),
        ("z1 and z2 swapped", _four_gradients(dL_dw11_2="delta_2 * z2", dL_dw21_2="delta_2 * z1"),
         "dL_dw11_2 is 2.0494, autograd's is 0.9424 (2.17 times as much): follow w11_2 -> a1_2"),
        ("not one number", _four_gradients(dL_dw12_1="torch.stack([delta_2, w21_2 * gp(a2_1) * x])"),
         "dL_dw12_1 has shape (2,): it should be one number."),
        ("Python floats, which the cells below cannot stack",
         _four_gradients() + "dL_dw11_2, dL_dw21_2 = dL_dw11_2.item(), dL_dw21_2.item()\n",
         "dL_dw11_2 is a float: keep it a tensor, as the cells below use it as one (torch.stack)."),
        ("the derivative of the output at the hidden pre-activation",
         _four_gradients(delta_2="-2 * (y - y_hat) * gp(a1_1)"),
         "All four are"),
    ],
    ("03_backprop_exercise.ipynb", 1): [
        ("the order of the first exercise", _symbolic_gradients(RIGHT_IN_ORDER_OF_W[2:] + RIGHT_IN_ORDER_OF_W[:2]),
         "the numbers are right, their order is not: return them in the order of w, "
         "dL_dw11_1, dL_dw12_1, dL_dw11_2, dL_dw21_2."),
        ("factor w11_2 missing (it is 1 at the exercise's values)",
         _symbolic_gradients(["delta_2 * gp(a1_1) * x"] + RIGHT_IN_ORDER_OF_W[1:]),
         "autograd disagrees on dL_dw11_1 at (x, y, *w) = (-2.63, -1.65, -1.59, -1.94, 0.34, -2.34), "
         "though not at the exercise's values: look for a factor that is 1 there (w11_2 = 1)"),
        ("wrong everywhere", _symbolic_gradients(delta_2="-2 * (y - y_hat)"),
         "symbolic_gradients: autograd disagrees on dL_dw11_1, dL_dw12_1, dL_dw11_2, dL_dw21_2 at "
         "(x, y, *w) = (-1.70, -4.50, 0.13, -2.00, 1.00, 0.50)."),
        ("three gradients", _symbolic_gradients(RIGHT_IN_ORDER_OF_W[1:]),
         "it returns shape (3,): return the 4 gradients in one tensor"),
        ("a tuple, which the float64 comparison below cannot use",
         _symbolic_gradients().replace("torch.stack([", "tuple(["),
         "it returns a tuple: return one tensor of the 4 gradients (torch.stack)"),
        ("a list of tensors", _symbolic_gradients().replace("torch.stack([", "list(["),
         "it returns a list: return one tensor of the 4 gradients (torch.stack)"),
        ("float32 from torch.tensor, which loses the float64 digits",
         _symbolic_gradients().replace("torch.stack([", "torch.tensor([float(g) for g in ["
                                       ).replace("])\n", "]])\n"),
         "it returns torch.float32 for torch.float64 inputs: keep the dtype of w"),
        ("the exercise's x and y instead of the arguments",
         _symbolic_gradients().replace("forward(w, x, y)", "forward(w, x_fixed, y_fixed)").replace(
             "def symbolic_gradients(w, x, y):\n", "x_fixed, y_fixed = x, y\ndef symbolic_gradients(w, x, y):\n"
             "    x, y = x_fixed, y_fixed\n"),
         "symbolic_gradients: autograd disagrees on"),
    ],
}
# Other right answers, which the check must accept: (how it differs from the reference, code).
OTHER_RIGHT_ANSWERS = {
    ("03_backprop_exercise.ipynb", 0): [
        ("the sigmoid's derivative written out, one factor per line",
         "s = torch.sigmoid\ntorch.set_grad_enabled(False)\ndL_dyhat = -2 * (y - y_hat)\n"
         "dyhat_da = s(a1_2) * (1 - s(a1_2))\n"
         "delta_2 = dL_dyhat * dyhat_da\ndL_dw11_2 = delta_2 * z1\ndL_dw21_2 = delta_2 * z2\n"
         "dL_dw11_1 = delta_2 * w11_2 * s(a1_1) * (1 - s(a1_1)) * x\n"
         "dL_dw12_1 = delta_2 * w21_2 * s(a2_1) * (1 - s(a2_1)) * x\ntorch.set_grad_enabled(True)\n"),
    ],
    ("03_backprop_exercise.ipynb", 1): [
        ("torch.cat of one-element tensors",
         _symbolic_gradients().replace("torch.stack([", "torch.cat([t.reshape(1) for t in [").replace(
             "])\n", "]])\n")),
        ("a new tensor of the input's dtype",
         _symbolic_gradients().replace("torch.stack([", "torch.tensor([float(g) for g in [").replace(
             "])\n", "]], dtype=w.dtype, device=w.device)\n")),
    ],
}

# Chapter 6's answers, in which a wrong answer changes a word or a line
def _arrays(X_fcn="images.astype(np.float32) / 255.0", X_cnn="X_fcn.reshape(-1, 1, 96, 96)",
            y='df_complete.drop(columns="Image").to_numpy(dtype=np.float32)'):
    return f"X_fcn = {X_fcn}\nX_cnn = {X_cnn}\ny = {y}\n"


def _fcn(hidden=(1024, 512), dropout=0.3, activation="F.relu", output=""):
    return ("class KeypointFCN(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            f"        self.fc1 = nn.Linear(9216, {hidden[0]})\n"
            f"        self.fc2 = nn.Linear({hidden[0]}, {hidden[1]})\n"
            f"        self.fc3 = nn.Linear({hidden[1]}, 30)\n        self.dropout = nn.Dropout({dropout})\n\n"
            "    def forward(self, x):\n"
            f"        x = self.dropout({activation}(self.fc1(x)))\n"
            f"        x = self.dropout({activation}(self.fc2(x)))\n        return {output}(self.fc3(x))\n")


def _cnn(kernel=3, dropout_names=("dropout1", "dropout2"), fc2_activation="F.relu"):
    d1, d2 = dropout_names
    return ("class KeypointCNN(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            f"        self.conv1 = nn.Conv2d(1, 32, {kernel})\n        self.conv2 = nn.Conv2d(32, 64, {kernel})\n"
            f"        self.conv3 = nn.Conv2d(64, 128, {kernel})\n        self.pool = nn.MaxPool2d(2)\n"
            "        self.fc1 = nn.Linear(12800, 256)\n        self.fc2 = nn.Linear(256, 128)\n"
            f"        self.fc3 = nn.Linear(128, 30)\n        self.{d1} = nn.Dropout(0.1)\n"
            f"        self.{d2} = nn.Dropout(0.2)\n\n    def forward(self, x):\n"
            "        for conv in (self.conv1, self.conv2, self.conv3):\n"
            "            x = self.pool(F.relu(conv(x)))\n"
            f"        x = self.{d1}(F.relu(self.fc1(x.flatten(1))))\n"
            f"        x = self.{d2}({fc2_activation}(self.fc2(x)))\n        return self.fc3(x)\n")


def _trained(net, y_hat="predict({net}, X_val_{net})", rmse_of="rmse(y_hat_{net}, y_val)",
             epochs="num_epochs"):
    """A network's training stand-in (a history of the right length, no training) and its results."""
    return (f"history_{net} = {{'train': [1.0] * {epochs}, 'val': [1.0] * {epochs}}}\n"
            f"y_hat_{net} = {y_hat.format(net=net)}\nrmse_{net} = {rmse_of.format(net=net)}\n")


IN_STANDARD_UNITS = "{net}.eval()(torch.from_numpy(X_val_{net}).to(device)).detach().cpu().numpy()"


def _figure(truth="y_val[i, 0::2], y_val[i, 1::2]", image="ax.imshow(X_fcn[val_idx[i]].reshape(96, 96))",
            fcn="y_hat_fcn", cnn="y_hat_cnn", labels=("truth", "FCN", "CNN"), faces=(3, 1, 4, 15, 9),
            grid="1, 5"):
    return (f"fig, axes = plt.subplots({grid})\nfor ax, i in zip(axes.flat, {list(faces)}):\n"
            f"    {image}\n    ax.scatter({truth}, label={labels[0]!r})\n"
            f"    ax.scatter({fcn}[i, 0::2], {fcn}[i, 1::2], marker='x', label={labels[1]!r})\n"
            f"    ax.scatter({cnn}[i, 0::2], {cnn}[i, 1::2], marker='+', label={labels[2]!r})\n"
            "plt.show()\n")


def _edit(source, *replacements):
    """source with each (old, new) replaced; each old must occur in it."""
    for old, new in replacements:
        assert old in source, old
        source = source.replace(old, new)
    return source


FCN, CNN = _fcn(), _cnn()  # the FCN in the task's words; the CNN in the practical's order
CNN_LINK = "the ReLU of {}'s outputs, max-pooled over 2x2 windows"

WRONG_ANSWERS.update({
    ("06_facial_keypoints.ipynb", 0): [
        ("index not renumbered", "df_complete = df.dropna()\n", "number the faces 0, 1, 2, ... again"),
        ("missing values filled with 0", "df_complete = df.fillna(0)\n",
         "df_complete has 7,049 faces, but 2,140 faces of df have all 30 coordinates"),
        ("faces with any label", "df_complete = df.dropna(how='all').reset_index(drop=True)\n",
         "missing values: keep only the faces whose 30 coordinates are all labelled"),
        ("the image column dropped", "df_complete = df.dropna().drop(columns='Image').reset_index(drop=True)\n",
         "df_complete should keep the 31 columns of df"),
        ("the faces shuffled", "df_complete = df.dropna().sample(frac=1, random_state=0).reset_index(drop=True)\n",
         "keep the complete faces in their order in df"),
    ],
    ("06_facial_keypoints.ipynb", 1): [
        ("grey levels not scaled", _arrays(X_fcn="images.astype(np.float32)"),
         "the pixels of X_fcn run from 0 to 255: scale the grey levels 0 to 255 to [0, 1]"),
        ("float64 pixels", _arrays(X_fcn="images / 255.0"),
         "X_fcn holds float64: convert it with .astype(np.float32)"),
        ("channels last", _arrays(X_cnn="X_fcn.reshape(-1, 96, 96, 1)"),
         "X_cnn has shape (2140, 96, 96, 1); it should be (2140, 1, 96, 96)"),
        ("images transposed", _arrays(X_cnn="X_fcn.reshape(-1, 1, 96, 96).transpose(0, 1, 3, 2)"),
         "X_cnn should hold the pixels of X_fcn, row after row of each image"),
        ("targets of every face", _arrays(y='df.drop(columns="Image").to_numpy(dtype=np.float32)'),
         "y has shape (7049, 30); it should be (2140, 30)"),
        ("targets in another order", _arrays(y='df_complete[sorted(df.columns[:-1])].to_numpy(np.float32)'),
         "y should be the 30 keypoint columns of df_complete, in their order"),
        ("tensors, not arrays", _arrays(X_fcn="torch.from_numpy(images.astype(np.float32) / 255)"),
         "X_fcn is a Tensor: make it a NumPy array"),
        ("grey levels divided by 256", _arrays(X_fcn="images.astype(np.float32) / 256"),
         "X_fcn should be the grey levels of images divided by 255"),
    ],
    ("06_facial_keypoints.ipynb", 2): [
        ("hidden layers of 512 and 256", _fcn(hidden=(512, 256)),
         "layer fc1 of KeypointFCN gives 512 values per image where the practical's gives 1024"),
        ("no activation", _fcn(activation=""),
         "layer fc2 of KeypointFCN should get the ReLU of fc1's outputs; it gets other numbers"),
        ("sigmoid activations (a bounded activation: no negative inputs either)", _fcn(activation="torch.sigmoid"),
         "layer fc2 of KeypointFCN should get the ReLU of fc1's outputs; it gets other numbers"),
        ("leaky ReLU", _fcn(activation="F.leaky_relu"),
         "layer fc2 of KeypointFCN should get the ReLU of fc1's outputs"),
        ("a ReLU on the outputs", _fcn(output="F.relu"),
         "KeypointFCN should return the outputs of its last layer, fc3, as they are"),
        ("dropout 0.5", _fcn(dropout=0.5),
         "the dropout between fc1 and fc2 has probability 0.5; the task asks for 0.3"),
        ("dropout after the first hidden layer only",
         _edit(FCN, ("x = self.dropout(F.relu(self.fc2(x)))", "x = F.relu(self.fc2(x))")),
         "there is no dropout between fc2 and fc3 in training mode: the task puts one there, with probability 0.3"),
        ("dropout on the image too", _edit(FCN, ("self.fc1(x)", "self.fc1(self.dropout(x))")),
         "in training mode, KeypointFCN's first layer, fc1, should get the images themselves"),
        ("F.dropout left on in evaluation mode",
         _edit(FCN, ("self.dropout(F.relu(self.fc1(x)))", "F.dropout(F.relu(self.fc1(x)), 0.3)"),
               ("self.dropout(F.relu(self.fc2(x)))", "F.dropout(F.relu(self.fc2(x)), 0.3)")),
         "in evaluation mode (model.eval()) there is still a dropout between fc1 and fc2"),
        ("a layer without biases", _edit(FCN, ("nn.Linear(9216, 1024)", "nn.Linear(9216, 1024, bias=False)")),
         "KeypointFCN has 9,977,374 parameters, the practical's 9,978,398"),
        ("a third hidden layer",
         _edit(FCN, ("self.fc3 = nn.Linear(512, 30)", "self.fc3 = nn.Linear(512, 512)\n        self.fc4 = nn.Linear(512, 30)"),
               ("return (self.fc3(x))", "return self.fc4(self.dropout(F.relu(self.fc3(x))))")),
         "layer fc3 of KeypointFCN gives 512 values per image where the practical's gives 30"),
    ],
    ("06_facial_keypoints.ipynb", 3): [
        ("no training", "history_fcn = {'train': [], 'val': []}\ny_hat_fcn = predict(fcn, X_val_fcn)\n"
         "rmse_fcn = rmse(y_hat_fcn, y_val)\n", "history_fcn has 0 epochs: train for num_epochs"),
        ("predictions in standardised units", _trained("fcn", y_hat=IN_STANDARD_UNITS),
         "y_hat_fcn is not in pixels: its mean is -0.03, the keypoints' about 48; map the network's"),
        ("RMSE in standardised units", _trained("fcn", rmse_of="rmse((y_hat_{net} - y_mean) / y_std, z_val)"),
         "but the RMSE of y_hat_fcn against y_val is"),
        ("the mean face for every face", _trained("fcn", y_hat="np.broadcast_to(y_mean, y_val.shape).copy()"),
         "y_hat_fcn is not what the trained fcn predicts for the validation faces"),
        ("predictions of the images before standardising", _trained("fcn", y_hat="predict(fcn, X_fcn[val_idx])"),
         "y_hat_fcn is not what the trained fcn predicts for the validation faces"),
        ("another network's predictions", _trained("fcn", y_hat="predict(KeypointFCN().to(device), X_val_fcn)"),
         "y_hat_fcn is not what the trained fcn predicts for the validation faces"),
        ("predictions as a list", _trained("fcn", y_hat="predict(fcn, X_val_fcn).tolist()"),
         "y_hat_fcn is a list: keep the NumPy array that predict returns"),
        ("the RMSE as a tensor", _trained("fcn", rmse_of="torch.tensor(rmse(y_hat_{net}, y_val))"),
         "rmse_fcn is a Tensor: compute it with rmse, which returns a number"),
        ("the history of another network",
         "history_fcn = fit(KeypointFCN().to(device), train_loader_fcn, val_loader_fcn, num_epochs)\n"
         "y_hat_fcn = predict(fcn, X_val_fcn)\nrmse_fcn = rmse(y_hat_fcn, y_val)\n",
         "history_fcn should be what fit returned as it trained fcn"),
    ],
    ("06_facial_keypoints.ipynb", 4): [
        ("5x5 filters", _cnn(kernel=5),
         "layer conv1 of KeypointCNN gives (32, 92, 92) values per image where the practical's gives (32, 94, 94)"),
        ("other names for the dropouts", _cnn(dropout_names=("drop1", "drop2")),
         "KeypointCNN has no dropout1, dropout2: the cells below use the names"),
        ("no ReLU after fc2", _cnn(fc2_activation=""),
         "layer fc3 of KeypointCNN should get the ReLU of fc2's outputs; it gets other numbers"),
        ("tanh after fc2 (bounded: no negative inputs either)", _cnn(fc2_activation="torch.tanh"),
         "layer fc3 of KeypointCNN should get the ReLU of fc2's outputs"),
        ("average pooling (the same parameter count)", _edit(CNN, ("nn.MaxPool2d(2)", "nn.AvgPool2d(2)")),
         "layer conv2 of KeypointCNN should get " + CNN_LINK.format("conv1")),
        ("no ReLU in the last convolution block",
         _edit(CNN, ("        for conv in (self.conv1, self.conv2, self.conv3):\n"
                     "            x = self.pool(F.relu(conv(x)))\n",
                     "        for conv in (self.conv1, self.conv2):\n            x = self.pool(F.relu(conv(x)))\n"
                     "        x = self.pool(self.conv3(x))\n")),
         "layer fc1 of KeypointCNN should get " + CNN_LINK.format("conv3") + " and flattened"),
        ("the two dropout rates swapped", _edit(CNN, ("nn.Dropout(0.1)", "nn.Dropout(0.2)"), ("nn.Dropout(0.2)\n\n", "nn.Dropout(0.1)\n\n")),
         "the dropout between fc1 and fc2 has probability 0.2; the task asks for 0.1"),
        ("one dropout rate for both", _edit(CNN, ("nn.Dropout(0.1)", "nn.Dropout(0.2)")),
         "the dropout between fc1 and fc2 has probability 0.2; the task asks for 0.1"),
        ("dropout also after the last convolution",
         _edit(CNN, ("x = self.dropout1(F.relu(self.fc1(x.flatten(1))))", "x = self.dropout1(F.relu(self.fc1(self.dropout1(x.flatten(1)))))")),
         "in training mode, layer fc1 of KeypointCNN gets other numbers than " + CNN_LINK.format("conv3")
         + " and flattened: the task puts no dropout between conv3 and fc1"),
        ("padded convolutions", _edit(CNN, ("nn.Conv2d(1, 32, 3)", "nn.Conv2d(1, 32, 3, padding=1)")),
         "layer conv1 of KeypointCNN gives (32, 96, 96) values per image where the practical's gives (32, 94, 94)"),
        ("x.view, which fails on the channels-last model",
         _edit(CNN, ("x.flatten(1)", "x.view(-1, 12800)")),
         "KeypointCNN, stored channels-last as the cells below store it, fails in evaluation mode"),
        ("pool is not the pooling forward uses",
         _edit(CNN, ("self.pool = nn.MaxPool2d(2)", "self.pool = nn.MaxPool2d(3)"),
               ("x = self.pool(F.relu(conv(x)))", "x = F.max_pool2d(F.relu(conv(x)), 2)")),
         "pool should be the 2x2 max pooling, nn.MaxPool2d(2)"),
    ],
    ("06_facial_keypoints.ipynb", 5): [
        ("predictions in standardised units", _trained("cnn", y_hat=IN_STANDARD_UNITS),
         "y_hat_cnn is not in pixels"),
        ("the mean face for every face", _trained("cnn", y_hat="np.broadcast_to(y_mean, y_val.shape).copy()"),
         "y_hat_cnn is not what the trained cnn predicts for the validation faces"),
        ("the FCN's predictions", _trained("cnn", y_hat="y_hat_fcn"),
         "y_hat_cnn is not what the trained cnn predicts for the validation faces"),
        ("predictions of the training faces' first 214", _trained("cnn", y_hat="predict(cnn, X_train_cnn[:214])"),
         "y_hat_cnn is not what the trained cnn predicts for the validation faces"),
        ("predictions as a tensor", _trained("cnn", y_hat="torch.from_numpy(predict(cnn, X_val_cnn))",
                                            rmse_of="rmse(y_hat_{net}.numpy(), y_val)"),
         "y_hat_cnn is a Tensor: keep the NumPy array that predict returns"),
        ("a stand-in history", _trained("cnn"), "cnn was not trained on train_loader_cnn"),
    ],
    ("06_facial_keypoints.ipynb", 6): [
        ("x and y swapped", _figure(truth="y_val[i, 1::2], y_val[i, 0::2]"),
         "the truth layer is no validation face's keypoints"),
        ("a training face's image", _figure(image="ax.imshow(X_fcn[i].reshape(96, 96))"),
         "the image is not the face whose keypoints are drawn"),
        ("FCN and CNN swapped", _figure(fcn="y_hat_cnn", cnn="y_hat_fcn"),
         "the FCN layer is not the FCN's prediction of the face"),
        ("no labels", _figure(labels=("_a", "_b", "_c")), "a face has no layer labelled 'truth', 'FCN', 'CNN'"),
        ("no image", _figure(image="pass"), "fig shows 0 faces: draw five validation faces"),
        ("four faces", _figure(faces=(3, 1, 4, 15), grid="1, 4"), "fig shows 4 faces: draw five validation faces"),
        ("six faces", _figure(faces=(3, 1, 4, 15, 9, 2), grid="2, 3"), "fig shows 6 faces: draw five validation faces"),
        ("one face five times", _figure(faces=(3, 3, 3, 3, 3)),
         "fig shows the validation faces [3, 3, 3, 3, 3]: draw five different faces"),
        ("the image transposed", _figure(image="ax.imshow(X_fcn[val_idx[i]].reshape(96, 96).T)"),
         "the image is not the face whose keypoints are drawn"),
    ],
})
OTHER_RIGHT_ANSWERS.update({
    ("06_facial_keypoints.ipynb", 0): [
        ("a boolean mask", "df_complete = df[df.notna().all(axis=1)].reset_index(drop=True)\n"),
        ("dropna on the keypoint columns, then a new index",
         "df_complete = df.dropna(subset=df.columns[:30])\ndf_complete.index = range(len(df_complete))\n")],
    ("06_facial_keypoints.ipynb", 1): [
        ("divided after the conversion", _arrays(X_fcn="(images / 255).astype(np.float32)",
                                                 X_cnn="X_fcn.reshape(len(X_fcn), 1, 96, 96)")),
        ("np.float32 arithmetic, a copy for the CNN, iloc for the targets",
         _arrays(X_fcn="np.float32(1 / 255) * images.astype(np.float32)",
                 X_cnn="X_fcn.copy().reshape(-1, 1, 96, 96)", y="df_complete.iloc[:, :30].to_numpy().astype('float32')"))],
    ("06_facial_keypoints.ipynb", 2): [
        ("nn.Sequential", "class KeypointFCN(nn.Sequential):\n    def __init__(self):\n"
         "        super().__init__(nn.Linear(9216, 1024), nn.ReLU(), nn.Dropout(0.3), nn.Linear(1024, 512),\n"
         "                         nn.ReLU(), nn.Dropout(0.3), nn.Linear(512, 30))\n"),
        ("dropout before the ReLU, F.dropout with training=self.training",
         _edit(FCN, ("self.dropout(F.relu(self.fc1(x)))", "F.relu(F.dropout(self.fc1(x), 0.3, self.training))"),
               ("self.dropout(F.relu(self.fc2(x)))", "F.relu(F.dropout(self.fc2(x), p=0.3, training=self.training))"))),
        ("layers defined out of order, two dropout modules, in-place ReLUs",
         "class KeypointFCN(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
         "        self.out = nn.Linear(512, 30)\n        self.hidden2 = nn.Linear(1024, 512)\n"
         "        self.hidden1 = nn.Linear(96 * 96, 1024)\n        self.drop_a, self.drop_b = nn.Dropout(p=0.3), nn.Dropout(p=0.3)\n"
         "    def forward(self, x):\n        x = self.drop_a(torch.relu_(self.hidden1(x)))\n"
         "        x = self.drop_b(nn.ReLU(inplace=True)(self.hidden2(x)))\n        return self.out(x)\n")],
    ("06_facial_keypoints.ipynb", 3): [
        ("positional arguments, a forward pass by hand, the RMSE with NumPy",
         "history_fcn = fit(fcn, train_loader_fcn, val_loader_fcn, num_epochs)\n"
         "fcn.eval()\nwith torch.no_grad():\n    z_hat = fcn(torch.from_numpy(X_val_fcn).to(device)).cpu().numpy()\n"
         "y_hat_fcn = z_hat * y_std + y_mean\nrmse_fcn = np.sqrt(((y_val - y_hat_fcn) ** 2).mean())\n")],
    ("06_facial_keypoints.ipynb", 4): [
        ("the practical's order, ReLU then pool", CNN),
        ("dropout before the ReLU, reshape to flatten",
         _edit(CNN, ("self.dropout1(F.relu(self.fc1(x.flatten(1))))", "F.relu(self.dropout1(self.fc1(x.reshape(len(x), -1))))"))),
        ("flattened channels last (height, width, channel)",
         _edit(CNN, ("x.flatten(1)", "x.permute(0, 2, 3, 1).reshape(len(x), -1)"))),
        ("nn.Sequential blocks with nn.ReLU(inplace=True)",
         "class KeypointCNN(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
         "        self.conv1, self.conv2, self.conv3 = nn.Conv2d(1, 32, 3), nn.Conv2d(32, 64, 3), nn.Conv2d(64, 128, 3)\n"
         "        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)\n"
         "        self.fc1, self.fc2, self.fc3 = nn.Linear(12800, 256), nn.Linear(256, 128), nn.Linear(128, 30)\n"
         "        self.dropout1, self.dropout2 = nn.Dropout(p=0.1), nn.Dropout(p=0.2)\n"
         "        self.features = nn.Sequential(self.conv1, nn.ReLU(inplace=True), self.pool, self.conv2,\n"
         "            nn.ReLU(inplace=True), self.pool, self.conv3, nn.ReLU(inplace=True), self.pool, nn.Flatten())\n"
         "        self.head = nn.Sequential(self.fc1, nn.ReLU(inplace=True), self.dropout1, self.fc2,\n"
         "            nn.ReLU(inplace=True), self.dropout2, self.fc3)\n"
         "    def forward(self, x):\n        return self.head(self.features(x))\n")],
    ("06_facial_keypoints.ipynb", 5): [
        ("keyword arguments, predict in batches of 64, the RMSE as a Python float",
         "history_cnn = fit(model=cnn, train_loader=train_loader_cnn, val_loader=val_loader_cnn,\n"
         "                  num_epochs=num_epochs, desc='my CNN')\n"
         "y_hat_cnn = predict(cnn, X_val_cnn, batch_size=64)\n"
         "rmse_cnn = float(np.sqrt(np.mean(np.square(y_hat_cnn - y_val))))\n")],
    ("06_facial_keypoints.ipynb", 6): [
        ("five faces in a column", _figure(grid="5, 1")),
        ("the grey levels 0 to 255, the images of the split", _figure(image="ax.imshow(images[val_idx[i]].reshape(96, 96), cmap='gray')")),
        ("the standardised images the CNN reads", _figure(image="ax.imshow(X_val_cnn[i, 0])")),
    ],
})
# Independent testers' answers to chapter 3's and 6's tasks, written from the task texts without
# seeing the lists above: they run too. Answers that use a training loader come after the others in each
# task's list: the training checks ask whether train_loader_fcn/_cnn was used, so an answer that
# trains on the validation faces must be tried before any answer has drawn from the training loader.
def _uses_a_training_loader(answer: tuple) -> bool:
    return "train_loader_" in answer[1]


for _answers, _independent in [(WRONG_ANSWERS, independent_answers_03.WRONG_ANSWERS_03),
                               (OTHER_RIGHT_ANSWERS, independent_answers_03.OTHER_RIGHT_ANSWERS_03),
                               (WRONG_ANSWERS, independent_answers_06.WRONG_ANSWERS_06),
                               (OTHER_RIGHT_ANSWERS, independent_answers_06.OTHER_RIGHT_ANSWERS_06)]:
    for _key, _listed in _independent.items():
        _merged = _answers.get(_key, []) + [(f"independent: {a[0]}", *a[1:]) for a in _listed]
        _answers[_key] = sorted(_merged, key=_uses_a_training_loader)

# Environment of the kernel per chapter: chapter 6 trains each network 2 epochs (the checks that need
# the practical's 20 epochs are skipped), on the synthetic faces.
KERNEL_ENV: dict[str, dict[str, str]] = {
    "06_facial_keypoints.ipynb": {"NNREG_NUM_EPOCHS": "2", "NNREG_SYNTHETIC_FACES": "1"},
}
# An accepted answer must let the rest of its chapter run: for these chapters, each other right
# answer goes into a fresh kernel in place of its stub, with the reference solutions in the other
# stubs, and the whole student notebook must run. (Chapter 6 trains networks: too slow for make
# test; there each other right answer runs with its check and the cells after it up to the next
# task, in the walk below.)
WHOLE_CHAPTER_WITH_EACH_RIGHT_ANSWER = ["03_backprop_exercise.ipynb"]


# ------------------------------------------------------------------------------------------------
# The generator, on small notebooks
# ------------------------------------------------------------------------------------------------
def _nb(*cells):
    return nbformat.v4.new_notebook(cells=list(cells))


def _solution(source, task="the answer", outputs=()):
    cell = nbformat.v4.new_code_cell(source, outputs=list(outputs), execution_count=2)
    cell.metadata.update(tags=["solution", "hide-input"], student={"task": task})
    return cell


def _out(text):
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def test_a_solution_cell_becomes_a_stub_naming_what_later_cells_read():
    first = nbformat.v4.new_code_cell("import torch\nx = 1", outputs=[_out("kept\n")], execution_count=1)
    solution = _solution("def helper(v):\n    tmp = v + 1\n    return tmp\n\ntotal = helper(x)\nunused = 3",
                         task="compute the total", outputs=[_out("solution output\n")])
    check = nbformat.v4.new_code_cell("def f():\n    tmp = 0\n    return total\n\nassert f() == 2, 'wrong'",
                                      outputs=[_out("right\n")], execution_count=3)
    check.metadata["tags"] = ["hide-input"]  # folded in the full book
    student = generate.student_notebook(_nb(first, solution, check), "t.ipynb")
    stub = student.cells[1]
    assert stub.source == (
        "# Your code: compute the total\n"
        "# The cells below use: total.\n"
        'raise NotImplementedError("write this cell, then run it")'
    )
    assert stub.id == solution.id and stub.metadata == {} and stub.outputs == []
    assert student.cells[2].source == check.source
    assert "hide-input" not in student.cells[2].metadata["tags"]  # the student sees the whole check
    assert check.metadata["tags"] == ["hide-input"]  # and the source is left alone


def test_outputs_are_cleared_where_they_depend_on_the_students_code():
    def cell(source, text):
        return nbformat.v4.new_code_cell(source, outputs=[_out(text)], execution_count=1)

    student = generate.student_notebook(_nb(
        cell("a = 1", "before"),
        _solution("b = a + 1", outputs=[_out("solution")]),
        cell("assert b == 2\nc = b * 2", "check"),
        cell("print(a)", "independent"),
        cell("def twice():\n    return 2 * c", "uses c, from b"),
        cell("print(twice())", "uses twice, from c"),
        cell("c = 5", "c is the book's again"),
        cell("print(c)", "so is this"),
    ), "t.ipynb")
    kept = [c.outputs[0].text if c.outputs else None for c in student.cells]
    assert kept == ["before", None, None, "independent", None, None, "c is the book's again", "so is this"]
    cleared = [generate.CLEARED_TAG in c.metadata.get("tags", []) for c in student.cells]
    assert cleared == [False, False, True, False, True, True, False, False]
    assert all(c.execution_count is None for c in student.cells)


def test_names_read_includes_globals_used_inside_functions_only():
    assert generate.names_read("def f(a):\n    b = a\n    return b + c\nd = e") == {"c", "e"}
    assert generate.names_bound("y = 2\nimport os\nclass K: pass\nfor i in []: pass") == ["y", "os", "K", "i"]


def test_solution_blocks_are_removed_and_an_emptied_cell_is_dropped():
    text = ("Before.\n\n:::{exercise}\n:label: e\nDo it.\n:::\n\n:::{solution} e\n:class: dropdown\n\n"
            "```python\nprint(':::')\n:::\n```\n\nSecret words here.\n:::\n\nAfter.\n")
    kept, blocks = generate.split_solution_blocks(text, "t")
    assert kept == "Before.\n\n:::{exercise}\n:label: e\nDo it.\n:::\n\nAfter."
    assert len(blocks) == 1 and "Secret words" in blocks[0] and "print(':::')" in blocks[0]
    longer = "::::{solution} e\n:::{note}\nInside.\n:::\nStill inside.\n::::\nOut."
    assert generate.split_solution_blocks(longer, "t")[0] == "Out."
    alone = nbformat.v4.new_markdown_cell(":::{solution} e\nOnly this.\n:::")
    student = generate.student_notebook(_nb(nbformat.v4.new_markdown_cell("Text."), alone), "t.ipynb")
    assert [c.source for c in student.cells] == ["Text."]


@pytest.mark.parametrize("nb, message", [
    (_nb(_solution("x = 1", task=""), nbformat.v4.new_code_cell("assert x")), '"student": {"task"'),
    (_nb(_solution("x = 1"), nbformat.v4.new_code_cell("print(x)")), "the next code cell does not check it"),
    (_nb(_solution("x = 1")), "the next code cell does not check it"),
    (_nb(nbformat.v4.new_markdown_cell(":::{solution} e\nNever closed.")), "is never closed"),
    (_nb(nbformat.v4.new_markdown_cell("```{solution} e\nBacktick fence.\n```")), "'{solution}' is left"),
    (_nb(nbformat.v4.new_markdown_cell(":::{solution-start} e\nGated.\n:::")), "'{solution-start}' is left"),
    (_nb(nbformat.v4.new_markdown_cell("Text", metadata={"tags": ["solution"]})), "a markdown cell is tagged"),
    (_nb(_solution("x = (1"), nbformat.v4.new_code_cell("assert x")), "not valid Python"),
])
def test_markup_it_cannot_handle_stops_the_generator_with_a_message(nb, message):
    with pytest.raises(generate.StudentEditionError) as err:
        generate.student_notebook(nb, "t.ipynb")
    assert message in str(err.value) and "t.ipynb, cell" in str(err.value)


def test_the_edition_is_never_written_over_the_sources(tmp_path):
    for out in (ROOT, ROOT / "chapters", ROOT.parent):
        with pytest.raises(generate.StudentEditionError, match="overwrite the book's sources"):
            generate.build(ROOT, out)


def test_the_student_config_names_the_edition_and_its_asset_paths():
    config = ('title: "A Book"\nsphinx:\n  local_extensions:\n    names: _ext/\n'
              '  config:\n    html_extra_path: [web_assets/book]\n')
    assert generate.student_config(config).startswith('title: "A Book (student edition)"')
    assert generate.configured_paths(config) == ["web_assets/book", "_ext"]


def test_the_leak_check_finds_a_solution_however_it_is_rendered(tmp_path):
    secret = generate.Solution("t.ipynb, cell 4", "with torch.no_grad():\n    delta_2 = -2 * (y - y_hat) * gp(a1_2)\n")
    shared = generate.Solution("t.ipynb, cell 9", "print(x)")
    prints = leaks.fingerprints([secret, shared], rest="some prose\nprint(x)\n")
    assert leaks.unchecked([secret, shared], prints) == ["t.ipynb, cell 9"]
    (tmp_path / "page.html").write_text(
        '<div class="highlight"><pre><span class="k">with</span> <span class="n">torch</span>.<span class="n">'
        'no_grad</span>():\n    <span class="n">delta_2</span> <span class="o">=</span> <span class="o">-</span>'
        '<span class="mi">2</span> * (<span class="n">y</span> &#8722; <span class="n">y_hat</span>) * '
        '<span class="n">gp</span>(<span class="n">a1_2</span>)</pre></div>')
    (tmp_path / "nb.ipynb").write_text(nbformat.writes(_nb(nbformat.v4.new_markdown_cell(secret.text))))
    (tmp_path / "clean.html").write_text('<p>some prose</p><div class="exercise admonition">print(x)</div>')
    (tmp_path / "block.html").write_text('<div class="solution dropdown admonition" id="s">?</div>')
    found = leaks.find_leaks([secret, shared], prints, tmp_path)
    assert [f.split(":")[0] for f in found] == ["block.html", "nb.ipynb", "page.html"]
    assert all("t.ipynb, cell 4" in f for f in found[1:])


# ------------------------------------------------------------------------------------------------
# The chapters
# ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    generate.build(ROOT, out)
    return out


def test_no_solution_survives_in_the_student_notebooks(edition):
    assert leaks.check_folder(ROOT, edition) == []


def test_chapters_without_tasks_keep_their_code(edition):
    for path in CHAPTERS:
        if path not in WITH_TASKS:
            code = lambda nb: [c.source for c in nb.cells if c.cell_type == "code"]  # noqa: E731
            assert code(_read(edition / "chapters" / path.name)) == code(_read(path)), path.name


def test_every_task_has_wrong_answers():
    tasks = {(p.name, k) for p in WITH_TASKS for k in range(len(_tasks(_read(p))))}
    assert tasks and tasks == set(WRONG_ANSWERS), "give every task (and only those) wrong answers"


class Kernel:
    """One Python kernel that runs code like notebook cells, in the chapter's folder."""

    def __init__(self, cwd: Path, env: dict[str, str]):
        from nbclient import NotebookClient

        self.client = NotebookClient(_nb(), kernel_name="python3", timeout=1200,
                                     resources={"metadata": {"path": str(cwd)}})
        self.env = {**os.environ, **env}

    def __enter__(self):
        self._context = self.client.setup_kernel(env=self.env)
        self._context.__enter__()
        return self

    def __exit__(self, *exc):
        return self._context.__exit__(*exc)

    def run(self, source: str) -> tuple[str | None, str]:
        """(None, its printed text) when the code runs; (exception name, message) when it raises."""
        from nbclient.exceptions import CellExecutionError

        cell = nbformat.v4.new_code_cell(source)
        self.client.nb.cells.append(cell)
        try:
            self.client.execute_cell(cell, len(self.client.nb.cells) - 1)
        except CellExecutionError as err:
            return err.ename, err.evalue
        return None, "".join(o.get("text", "") for o in cell.outputs)

    def run_apart(self, *sources: str) -> tuple[str | None, str]:
        """Run code cells, one after the other, in a copy of the namespace, so that they leave no
        name behind."""
        return self.run(f"_apart = dict(globals())\nfor _cell in {list(sources)!r}:\n"
                        "    exec(compile(_cell, '<answer>', 'exec'), _apart)\ndel _apart, _cell")


@dataclass
class Walk:
    """What happened when a kernel walked a student notebook (see the module docstring)."""

    before_first_stub: list[str] = field(default_factory=list)  # errors
    stubs: list[str | None] = field(default_factory=list)  # exception name of each stub
    wrong: dict[tuple[int, str], tuple[str | None, str]] = field(default_factory=dict)
    other_right: dict[tuple[int, str], tuple[str | None, str]] = field(default_factory=dict)
    checks: list[str] = field(default_factory=list)  # output of each check, right answer in
    round_trip: list[str] = field(default_factory=list)  # errors after the first stub


@pytest.fixture(scope="module")
def walks(edition):
    cache: dict[str, Walk] = {}

    def walk(name: str) -> Walk:
        if name not in cache:
            cache[name] = _walk(edition, name)
        return cache[name]

    return walk


def _followers(later: list, reference: dict[str, str]) -> list[str]:
    """The code cells after a task's check that an accepted answer must let run: those up to the
    next task; after a chapter's last task, those up to the first that trains a network (in
    chapter 6, the better CNN: none of those cells reads the figure, the last task's answer)."""
    last_task = not any(cell.id in reference for cell in later)
    followers = []
    for cell in later:
        if cell.id in reference or (last_task and "fit(" in cell.source):
            break
        followers.append(cell.source)
    return followers


def _walk(edition: Path, name: str) -> Walk:
    reference = {c.id: c.source for c in _tasks(_read(ROOT / "chapters" / name))}
    student = _read(edition / "chapters" / name)
    code = [c for c in student.cells if c.cell_type == "code"]
    result, task, check_next = Walk(), -1, False
    with Kernel(edition / "chapters", KERNEL_ENV.get(name, {})) as kernel:
        for position, cell in enumerate(code):
            if cell.id in reference:
                task += 1
                result.stubs.append(kernel.run(cell.source)[0])
                check = code[position + 1].source
                for label, wrong, _ in WRONG_ANSWERS.get((name, task), []):
                    result.wrong[task, label] = kernel.run_apart(wrong, check)
                # (chapter 3 runs whole with each right answer, in a fresh kernel, below; its cells
                # after a task would free the graph of the walk's shared forward pass)
                followers = [] if name in WHOLE_CHAPTER_WITH_EACH_RIGHT_ANSWER else \
                    _followers(code[position + 2:], reference)
                for label, right in OTHER_RIGHT_ANSWERS.get((name, task), []):
                    result.other_right[task, label] = kernel.run_apart(right, check, *followers)
                error, text = kernel.run(reference[cell.id])
                check_next = True
            else:
                error, text = kernel.run(cell.source)
                if check_next:
                    result.checks.append(text)
                    check_next = False
            if error:
                (result.round_trip if task >= 0 else result.before_first_stub).append(
                    f"code cell {position}: {error}: {text[:300]}")
    return result


@pytest.mark.parametrize("path", WITH_TASKS, ids=[p.name for p in WITH_TASKS])
def test_student_notebook_runs_up_to_its_first_stub_and_every_stub_stops(walks, path):
    walk = walks(path.name)
    assert walk.before_first_stub == []
    assert walk.stubs == ["NotImplementedError"] * len(_tasks(_read(path)))


@pytest.mark.parametrize("path", WITH_TASKS, ids=[p.name for p in WITH_TASKS])
def test_round_trip_the_reference_solutions_pass_every_check(walks, path):
    walk = walks(path.name)
    assert walk.round_trip == []
    assert len(walk.checks) == len(_tasks(_read(path))) and all(c.startswith("Right") for c in walk.checks)


@pytest.mark.parametrize("chapter, task, label, message", [
    (chapter, task, label, message)
    for (chapter, task), answers in WRONG_ANSWERS.items() for label, _, message in answers
], ids=lambda v: v if isinstance(v, str) and len(v) < 60 else None)
def test_every_check_fails_on_a_wrong_answer_with_its_message(walks, chapter, task, label, message):
    error, text = walks(chapter).wrong[task, label]
    assert error == "AssertionError", (error, text)
    assert message in text, text


@pytest.mark.parametrize("chapter, task, label", [
    (chapter, task, label) for (chapter, task), answers in OTHER_RIGHT_ANSWERS.items() for label, _ in answers
])
def test_every_check_accepts_other_right_answers(walks, chapter, task, label):
    """The check passes, and so do the cells after it, up to the next task (see _followers)."""
    error, text = walks(chapter).other_right[task, label]
    assert error is None and text.startswith("Right"), (error, text)


@pytest.mark.parametrize("chapter, task, label", [
    (chapter, task, label) for (chapter, task), answers in OTHER_RIGHT_ANSWERS.items() for label, _ in answers
    if chapter in WHOLE_CHAPTER_WITH_EACH_RIGHT_ANSWER
])
def test_an_accepted_answer_lets_the_rest_of_the_chapter_run(edition, chapter, task, label):
    answer = dict(OTHER_RIGHT_ANSWERS[chapter, task])[label]
    reference = [c.source for c in _tasks(_read(ROOT / "chapters" / chapter))]
    reference[task] = answer
    student = _read(edition / "chapters" / chapter)
    stubs = iter(reference)
    with Kernel(edition / "chapters", KERNEL_ENV.get(chapter, {})) as kernel:
        for position, cell in enumerate(c for c in student.cells if c.cell_type == "code"):
            source = next(stubs) if "NotImplementedError" in cell.source and cell.source.startswith("# Your code") \
                else cell.source
            error, text = kernel.run(source)
            assert error is None, f"with the answer '{label}', code cell {position} fails: {error}: {text[:300]}"


@pytest.mark.parametrize("chapter, task, label, message", [
    (chapter, task, label, message)
    for (chapter, task), answers in independent_answers_03.NOT_IN_THE_WALK_03.items()
    for label, _, message in answers
])
def test_a_check_fails_on_answers_that_spoil_the_forward_pass(edition, chapter, task, label, message):
    """Answers the walk cannot try among the others (they free the graph of its shared forward pass,
    or change a tensor of it in place): each in a fresh kernel, after the cells before its task."""
    answer = dict((a[0], a[1]) for a in independent_answers_03.NOT_IN_THE_WALK_03[chapter, task])[label]
    reference = [c.source for c in _tasks(_read(ROOT / "chapters" / chapter))]
    ids = {c.id for c in _tasks(_read(ROOT / "chapters" / chapter))}
    code = [c for c in _read(edition / "chapters" / chapter).cells if c.cell_type == "code"]
    stubs = [position for position, cell in enumerate(code) if cell.id in ids]
    with Kernel(edition / "chapters", KERNEL_ENV.get(chapter, {})) as kernel:
        for position, cell in enumerate(code[: stubs[task]]):
            source = reference[stubs.index(position)] if position in stubs else cell.source
            assert kernel.run(source)[0] is None, f"code cell {position} fails"
        kernel.run(answer)
        error, text = kernel.run(code[stubs[task] + 1].source)
    assert error == "AssertionError" and message in text, (error, text)
