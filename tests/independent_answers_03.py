"""Chapter 3's tasks, answered by an independent tester: wrong answers a student plausibly writes and
right answers written otherwise than the reference, written from the task texts, the reference
solutions and the cells around them (not from the book's own lists in test_student_edition.py).

Same format as WRONG_ANSWERS / OTHER_RIGHT_ANSWERS there: keys (chapter, task number from 0); wrong
entries (what is wrong, code, part of the message the check should give), right entries (how it is
written, code).

Task 0 is the cell with the four gradients dL_dw11_2, dL_dw21_2, dL_dw11_1, dL_dw12_1 (from the
formulas, as tensors, inside torch.no_grad()); task 1 is symbolic_gradients(w, x, y) (the intermediate
values from forward(w, x, y), one tensor in the order of w).

The walk runs every answer of a task in one kernel, on the same forward pass: no answer here frees
its graph (L.backward() without retain_graph) or changes a tensor of the forward pass in place, as
that would spoil the answers after it. Those mistakes are in NOT_IN_THE_WALK_03, tried apart.

First run, against the checks as they were: 15 of the 51 wrong answers got through or failed otherwise
than with an AssertionError, both of NOT_IN_THE_WALK_03 ended in autograd's own RuntimeError, and
every right answer passed. The checks were fixed for each, except four answers of task 0 that no
check of values can reject and that are therefore not listed: w11_2 left out of dL_dw11_1, or w21_2
written as its value 0.5 (w11_2 = 1 at the exercise's values, so the numbers are right; the check says
so, and task 1's check, at random values, rejects the same formulas), and the four numbers taken from
autograd (torch.autograd.grad, or backward and .grad) instead of the formulas (task 1's check
switches autograd off while it calls symbolic_gradients, and rejects it there).
"""
from __future__ import annotations

CH = "03_backprop_exercise.ipynb"

# ------------------------------------------------------------------------------------------------
# Task 0: the four gradients
# ------------------------------------------------------------------------------------------------
DELTA = "-2 * (y - y_hat) * gp(a1_2)"
LINES = {
    "dL_dw11_2": "delta_2 * z1",
    "dL_dw21_2": "delta_2 * z2",
    "dL_dw11_1": "delta_2 * w11_2 * gp(a1_1) * x",
    "dL_dw12_1": "delta_2 * w21_2 * gp(a2_1) * x",
}


def four(delta=DELTA, wrap="{}", no_grad=True, **changed):
    """The four gradients, one line each, with delta_2 (or some lines) changed; wrap is applied to
    each right-hand side."""
    lines = {**LINES, **changed}
    body = f"delta_2 = {delta}\n" + "".join(f"{n} = {wrap.format(v)}\n" for n, v in lines.items())
    if not no_grad:
        return body
    return "with torch.no_grad():\n" + "".join(f"    {line}\n" for line in body.splitlines())


# ------------------------------------------------------------------------------------------------
# Task 1: symbolic_gradients
# ------------------------------------------------------------------------------------------------
UNPACK = "w11_1, w12_1, w11_2, w21_2 = w\n"
FORWARD = "L, (a1_1, z1, a2_1, z2, a1_2, y_hat) = forward(w, x, y)\n"
IN_ORDER_OF_W = ["delta_2 * w11_2 * gp(a1_1) * x", "delta_2 * w21_2 * gp(a2_1) * x",
                 "delta_2 * z1", "delta_2 * z2"]


def function(returned="torch.stack([{}])", grads=IN_ORDER_OF_W, delta=DELTA, unpack=UNPACK,
             forward=FORWARD, before="", signature="w, x, y"):
    """symbolic_gradients written the reference's way, with parts changed."""
    body = (unpack + forward + f"delta_2 = {delta}\n" + before
            + "return " + returned.format(", ".join(grads)) + "\n")
    return (f"def symbolic_gradients({signature}):\n    with torch.no_grad():\n"
            + "".join(f"        {line}\n" for line in body.splitlines()))


FACTOR_1 = "though not at the exercise's values"

WRONG_ANSWERS_03 = {
    (CH, 0): [
        # signs and factors of delta_2, the factor all four share
        ("the sign of delta_2", four(delta="2 * (y - y_hat) * gp(a1_2)"),
         "All four are -1 times autograd's: the mistake is in the factor they share, delta_2."),
        ("the factor 2 of the square forgotten", four(delta="-(y - y_hat) * gp(a1_2)"),
         "All four are 0.5 times autograd's"),
        ("(y_hat - y) without the 2", four(delta="(y_hat - y) * gp(a1_2)"), "All four are 0.5 times"),
        ("the sigmoid instead of its derivative at the output", four(delta="-2 * (y - y_hat) * g(a1_2)"),
         "the mistake is in the factor they share, delta_2"),
        ("g' of the output taken at y_hat, not at a1_2", four(delta="-2 * (y - y_hat) * gp(y_hat)"),
         "the mistake is in the factor they share, delta_2"),
        ("the loss in place of dL/dy_hat", four(delta="-2 * L * gp(a1_2)"),
         "the mistake is in the factor they share, delta_2"),
        ("g'(a) written as g(a) * (1 + g(a))", four(delta="-2 * (y - y_hat) * y_hat * (1 + y_hat)"),
         "the mistake is in the factor they share, delta_2"),
        # one gradient or two wrong
        ("z1 and z2 swapped between the output weights",
         four(dL_dw11_2="delta_2 * z2", dL_dw21_2="delta_2 * z1"),
         "dL_dw11_2 is 2.0494, autograd's is 0.9424"),
        ("the output weights swapped between the hidden gradients",
         four(dL_dw11_1="delta_2 * w21_2 * gp(a1_1) * x", dL_dw12_1="delta_2 * w11_2 * gp(a2_1) * x"),
         "dL_dw11_1 is"),
        ("g' of the wrong hidden neuron", four(dL_dw11_1="delta_2 * w11_2 * gp(a2_1) * x"),
         "dL_dw11_1 is"),
        ("the sigmoid instead of its derivative in a hidden gradient",
         four(dL_dw12_1="delta_2 * w21_2 * g(a2_1) * x"), "dL_dw12_1 is"),
        ("g' taken at the activation z1, not at the pre-activation",
         four(dL_dw11_1="delta_2 * w11_2 * gp(z1) * x"), "dL_dw11_1 is"),
        ("the input x forgotten in a hidden gradient", four(dL_dw12_1="delta_2 * w21_2 * gp(a2_1)"),
         "dL_dw12_1 is"),
        ("z2 in place of x", four(dL_dw12_1="delta_2 * w21_2 * gp(a2_1) * z2"), "dL_dw12_1 is"),
        ("the sign of one hidden gradient", four(dL_dw12_1="-delta_2 * w21_2 * gp(a2_1) * x"),
         "dL_dw12_1 is 0.0563, autograd's is -0.0563"),
        ("g' of the output twice in a hidden gradient",
         four(dL_dw11_1="delta_2 * gp(a1_2) * w11_2 * gp(a1_1) * x"), "dL_dw11_1 is"),
        ("an output weight in an output gradient", four(dL_dw21_2="delta_2 * w21_2 * z2"),
         "dL_dw21_2 is"),
        # types, shapes, dtypes
        ("Python floats (.item())", four(wrap="({}).item()"),
         "dL_dw11_2 is a float: keep it a tensor"),
        ("NumPy numbers", four(wrap="({}).numpy()"), "dL_dw11_2 is a ndarray: keep it a tensor"),
        ("a trailing comma makes tuples", four(wrap="{},"), "dL_dw11_2 is a tuple: keep it a tensor"),
        ("one-element lists", four(wrap="[{}]"), "dL_dw11_2 is a list"),
        ("one-element vectors, torch.tensor([...]) (shape [1], as the practical's)",
         four(wrap="torch.tensor([{}])"), "shape (1,)"),
        ("the output gradients as one vector under one name",
         four(dL_dw11_2="delta_2 * torch.stack([z1, z2])", dL_dw21_2="dL_dw11_2[1]"),
         "dL_dw11_2 has shape (2,): it should be one number."),
        ("float64 (.double()): a later cell compares them with float32",
         four(wrap="({}).double()"), "float32"),
        ("a name spelled otherwise (dL_dw2_11)",
         four().replace("dL_dw11_2 =", "dL_dw2_11 ="), "define dL_dw11_2: the cells below use these names"),
        # what the task asks beyond the numbers
        ("computed outside torch.no_grad(): they carry a grad_fn", four(no_grad=False), "no_grad"),
    ],
    (CH, 1): [
        ("in the order of the exercise above (output weights first)",
         function(grads=["delta_2 * z1", "delta_2 * z2", "delta_2 * w11_2 * gp(a1_1) * x",
                         "delta_2 * w21_2 * gp(a2_1) * x"]),
         "the numbers are right, their order is not: return them in the order of w, dL_dw11_1, dL_dw12_1, dL_dw11_2, dL_dw21_2"),
        ("in reverse order (flip)", function(returned="torch.stack([{}]).flip(0)"),
         "the numbers are right, their order is not"),
        ("a list", function(returned="[{}]"), "symbolic_gradients: it returns a list: return one tensor"),
        ("a tuple", function(returned="({})"), "it returns a tuple: return one tensor"),
        ("a NumPy array", function(returned="torch.stack([{}]).numpy()"), "it returns a ndarray"),
        ("a dict by name",
         function(returned="dict(zip(['w11_1', 'w12_1', 'w11_2', 'w21_2'], [{}]))"), "it returns a dict"),
        ("the loss with the gradients", function(returned="L, torch.stack([{}])"), "it returns a tuple"),
        ("cast to float32 (.float())", function(returned="torch.stack([{}]).float()"),
         "it returns torch.float32 for torch.float64 inputs"),
        ("a column, torch.vstack (shape (4, 1))", function(returned="torch.vstack([{}])"),
         "it returns shape (4, 1)"),
        ("the sign of delta_2", function(delta="2 * (y - y_hat) * gp(a1_2)"),
         "autograd disagrees on dL_dw11_1, dL_dw12_1, dL_dw11_2, dL_dw21_2 at (x, y, *w) = (-1.70, -4.50, 0.13, -2.00, 1.00, 0.50)"),
        ("the sigmoid instead of its derivative at the output", function(delta="-2 * (y - y_hat) * g(a1_2)"),
         "autograd disagrees on dL_dw11_1, dL_dw12_1, dL_dw11_2, dL_dw21_2"),
        ("g' of the wrong hidden neuron",
         function(grads=["delta_2 * w11_2 * gp(a1_1) * x", "delta_2 * w21_2 * gp(a1_1) * x",
                         "delta_2 * z1", "delta_2 * z2"]),
         "autograd disagrees on dL_dw12_1 at"),
        ("the output weights swapped between the hidden gradients",
         function(grads=["delta_2 * w21_2 * gp(a1_1) * x", "delta_2 * w11_2 * gp(a2_1) * x",
                         "delta_2 * z1", "delta_2 * z2"]),
         "autograd disagrees on dL_dw11_1, dL_dw12_1 at"),
        ("w11_2 forgotten in dL_dw11_1 (w11_2 = 1 at the exercise's values)",
         function(grads=["delta_2 * gp(a1_1) * x", "delta_2 * w21_2 * gp(a2_1) * x",
                         "delta_2 * z1", "delta_2 * z2"]),
         "autograd disagrees on dL_dw11_1 at (x, y, *w) = ("),
        ("the intermediates unpacked in the wrong order",
         function(forward="L, (z1, a1_1, z2, a2_1, a1_2, y_hat) = forward(w, x, y)\n"),
         "autograd disagrees on"),
        ("the exercise's forward pass (globals a1_1, z1, ...) instead of forward(w, x, y)",
         function(forward=""), "forward(w, x, y)"),
        ("the global weights w11_1, ... instead of unpacking w", function(unpack=""), "the weights in w"),
        ("the global x and y (parameters named otherwise)", function(signature="w, x_in, y_in"),
         "x and y"),
        ("w used as the output buffer: it changes w in place",
         "def symbolic_gradients(w, x, y):\n    w11_1, w12_1, w11_2, w21_2 = w\n    with torch.no_grad():\n"
         "        L, (a1_1, z1, a2_1, z2, a1_2, y_hat) = forward(w, x, y)\n"
         "        delta_2 = -2 * (y - y_hat) * gp(a1_2)\n        grads = w\n"
         "        grads[0] = delta_2 * w11_2 * gp(a1_1) * x\n        grads[1] = delta_2 * w21_2 * gp(a2_1) * x\n"
         "        grads[2] = delta_2 * z1\n        grads[3] = delta_2 * z2\n        return grads\n",
         "in place"),
        ("computed in float32 and cast back: float32's digits only",
         function(before="w11_1, w12_1, w11_2, w21_2, x, a1_1, z1, a2_1, z2, delta_2 = (\n"
                         "    t.float() for t in (w11_1, w12_1, w11_2, w21_2, x, a1_1, z1, a2_1, z2, delta_2))\n",
                  returned="torch.stack([{}]).to(w.dtype)"),
         "float64"),
        ("autograd_gradients instead of the formulas",
         "def symbolic_gradients(w, x, y):\n    return autograd_gradients(w, x, y)\n", "formulas"),
        ("autograd inside (torch.autograd.grad)",
         "def symbolic_gradients(w, x, y):\n    w = w.detach().clone().requires_grad_(True)\n"
         "    L, _ = forward(w, x, y)\n    return torch.autograd.grad(L, w)[0]\n", "formulas"),
    ],
}

OTHER_RIGHT_ANSWERS_03 = {
    (CH, 0): [
        ("each formula written out in full, no delta_2",
         "with torch.no_grad():\n"
         "    dL_dw11_2 = -2 * (y - y_hat) * gp(a1_2) * z1\n"
         "    dL_dw21_2 = -2 * (y - y_hat) * gp(a1_2) * z2\n"
         "    dL_dw11_1 = -2 * (y - y_hat) * gp(a1_2) * w11_2 * gp(a1_1) * x\n"
         "    dL_dw12_1 = -2 * (y - y_hat) * gp(a1_2) * w21_2 * gp(a2_1) * x\n"),
        ("g'(a) as g(a)(1 - g(a)) from the activations",
         four(delta="2 * (y_hat - y) * y_hat * (1 - y_hat)",
              dL_dw11_1="delta_2 * w11_2 * z1 * (1 - z1) * x",
              dL_dw12_1="delta_2 * w21_2 * z2 * (1 - z2) * x")),
        ("g' from torch.sigmoid",
         "s = torch.sigmoid\nwith torch.no_grad():\n"
         "    delta_2 = -2 * (y - y_hat) * s(a1_2) * (1 - s(a1_2))\n"
         "    dL_dw11_2, dL_dw21_2 = delta_2 * z1, delta_2 * z2\n"
         "    dL_dw11_1 = delta_2 * w11_2 * s(a1_1) * (1 - s(a1_1)) * x\n"
         "    dL_dw12_1 = delta_2 * w21_2 * s(a2_1) * (1 - s(a2_1)) * x\n"),
        ("g' written with torch.exp",
         "with torch.no_grad():\n"
         "    d = lambda a: torch.exp(-a) / (1 + torch.exp(-a)) ** 2\n"
         "    delta_2 = -2 * (y - y_hat) * d(a1_2)\n"
         "    dL_dw11_2 = delta_2 * z1\n    dL_dw21_2 = delta_2 * z2\n"
         "    dL_dw11_1 = delta_2 * w11_2 * d(a1_1) * x\n    dL_dw12_1 = delta_2 * w21_2 * d(a2_1) * x\n"),
        ("the hidden error terms named, one factor per arrow",
         "with torch.no_grad():\n"
         "    dL_dyhat = -2 * (y - y_hat)\n    dyhat_da = gp(a1_2)\n    delta_2 = dL_dyhat * dyhat_da\n"
         "    delta1_1 = delta_2 * w11_2 * gp(a1_1)\n    delta1_2 = delta_2 * w21_2 * gp(a2_1)\n"
         "    dL_dw11_2 = delta_2 * z1\n    dL_dw21_2 = delta_2 * z2\n"
         "    dL_dw11_1 = delta1_1 * x\n    dL_dw12_1 = delta1_2 * x\n"),
        ("vectors of the layer, unpacked into 0-d tensors",
         "with torch.no_grad():\n    delta_2 = -2 * (y - y_hat) * gp(a1_2)\n"
         "    dL_dw11_2, dL_dw21_2 = delta_2 * torch.stack([z1, z2])\n"
         "    delta_1 = delta_2 * torch.stack([w11_2, w21_2]) * gp(torch.stack([a1_1, a2_1]))\n"
         "    dL_dw11_1, dL_dw12_1 = delta_1 * x\n"),
        ("torch.mul and torch.prod",
         "with torch.no_grad():\n    delta_2 = torch.mul(torch.mul(-2.0, y - y_hat), gp(a1_2))\n"
         "    dL_dw11_2 = torch.mul(delta_2, z1)\n    dL_dw21_2 = torch.mul(delta_2, z2)\n"
         "    dL_dw11_1 = torch.prod(torch.stack([delta_2, w11_2, gp(a1_1), x]))\n"
         "    dL_dw12_1 = torch.prod(torch.stack([delta_2, w21_2, gp(a2_1), x]))\n"),
        ("a function decorated with torch.no_grad()",
         "@torch.no_grad()\ndef gradients():\n    delta_2 = -2 * (y - y_hat) * gp(a1_2)\n"
         "    return (delta_2 * z1, delta_2 * z2, delta_2 * w11_2 * gp(a1_1) * x,\n"
         "            delta_2 * w21_2 * gp(a2_1) * x)\n\n"
         "dL_dw11_2, dL_dw21_2, dL_dw11_1, dL_dw12_1 = gradients()\n"),
        ("the factors in another order, .clone() at the end",
         "with torch.no_grad():\n    delta_2 = gp(a1_2) * 2 * (y_hat - y)\n"
         "    dL_dw11_2 = (z1 * delta_2).clone()\n    dL_dw21_2 = (z2 * delta_2).clone()\n"
         "    dL_dw11_1 = (x * gp(a1_1) * w11_2 * delta_2).clone()\n"
         "    dL_dw12_1 = (x * gp(a2_1) * w21_2 * delta_2).clone()\n"),
        ("a dict of gradients, then the four names",
         "with torch.no_grad():\n    delta_2 = -2 * (y - y_hat) * gp(a1_2)\n"
         "    grads = {'w11_2': delta_2 * z1, 'w21_2': delta_2 * z2,\n"
         "             'w11_1': delta_2 * w11_2 * gp(a1_1) * x, 'w12_1': delta_2 * w21_2 * gp(a2_1) * x}\n"
         "dL_dw11_2, dL_dw21_2 = grads['w11_2'], grads['w21_2']\n"
         "dL_dw11_1, dL_dw12_1 = grads['w11_1'], grads['w12_1']\n"),
    ],
    (CH, 1): [
        ("indexing w, intermediates unpacked in a second line",
         "def symbolic_gradients(w, x, y):\n    with torch.no_grad():\n        _, values = forward(w, x, y)\n"
         "        a1_1, z1, a2_1, z2, a1_2, y_hat = values\n"
         "        delta_2 = -2 * (y - y_hat) * gp(a1_2)\n"
         "        return torch.stack([delta_2 * w[2] * gp(a1_1) * x, delta_2 * w[3] * gp(a2_1) * x,\n"
         "                            delta_2 * z1, delta_2 * z2])\n"),
        ("filling torch.zeros_like(w)",
         "def symbolic_gradients(w, x, y):\n    w11_1, w12_1, w11_2, w21_2 = w\n    with torch.no_grad():\n"
         "        L, (a1_1, z1, a2_1, z2, a1_2, y_hat) = forward(w, x, y)\n"
         "        delta_2 = -2 * (y - y_hat) * gp(a1_2)\n        grads = torch.zeros_like(w)\n"
         "        grads[0] = delta_2 * w11_2 * gp(a1_1) * x\n        grads[1] = delta_2 * w21_2 * gp(a2_1) * x\n"
         "        grads[2] = delta_2 * z1\n        grads[3] = delta_2 * z2\n        return grads\n"),
        ("the matrix form: hidden deltas as a vector, torch.cat",
         "def symbolic_gradients(w, x, y):\n    with torch.no_grad():\n"
         "        _, (a1_1, z1, a2_1, z2, a1_2, y_hat) = forward(w, x, y)\n"
         "        delta_2 = -2 * (y - y_hat) * gp(a1_2)\n"
         "        delta_1 = delta_2 * w[2:] * gp(torch.stack([a1_1, a2_1]))\n"
         "        return torch.cat([delta_1 * x, delta_2 * torch.stack([z1, z2])])\n"),
        ("torch.tensor with w's dtype and device",
         function(returned="torch.tensor([{}], dtype=w.dtype, device=w.device)")),
        ("w.new_tensor of Python numbers",
         function(returned="w.new_tensor([g.item() for g in ({})])")),
        ("g'(a) as z(1 - z), no torch.no_grad() (w needs no gradient here)",
         "def symbolic_gradients(w, x, y):\n    w11_1, w12_1, w11_2, w21_2 = w\n"
         "    L, (a1_1, z1, a2_1, z2, a1_2, y_hat) = forward(w, x, y)\n"
         "    delta_2 = 2 * (y_hat - y) * y_hat * (1 - y_hat)\n"
         "    return torch.stack([delta_2 * w11_2 * z1 * (1 - z1) * x, delta_2 * w21_2 * z2 * (1 - z2) * x,\n"
         "                        delta_2 * z1, delta_2 * z2])\n"),
        ("torch.hstack and a list comprehension over the hidden neurons",
         "def symbolic_gradients(w, x, y):\n    with torch.no_grad():\n"
         "        _, (a1_1, z1, a2_1, z2, a1_2, y_hat) = forward(w, x, y)\n"
         "        delta_2 = -2 * (y - y_hat) * gp(a1_2)\n"
         "        hidden = [delta_2 * w_out * gp(a) * x for w_out, a in ((w[2], a1_1), (w[3], a2_1))]\n"
         "        return torch.hstack(hidden + [delta_2 * z1, delta_2 * z2])\n"),
        ("computed in float64 whatever the input, returned in w's dtype",
         "def symbolic_gradients(w, x, y):\n    with torch.no_grad():\n"
         "        _, (a1_1, z1, a2_1, z2, a1_2, y_hat) = forward(w.double(), x.double(), y.double())\n"
         "        w11_1, w12_1, w11_2, w21_2 = w.double()\n        x = x.double()\n"
         "        delta_2 = -2 * (y.double() - y_hat) * gp(a1_2)\n"
         "        grads = torch.stack([delta_2 * w11_2 * gp(a1_1) * x, delta_2 * w21_2 * gp(a2_1) * x,\n"
         "                             delta_2 * z1, delta_2 * z2])\n        return grads.to(w.dtype)\n"),
        ("torch.sigmoid for g', the result detached",
         "def symbolic_gradients(w, x, y):\n    L, (a1_1, z1, a2_1, z2, a1_2, y_hat) = forward(w, x, y)\n"
         "    d = lambda a: torch.sigmoid(a) * torch.sigmoid(-a)\n    w11_1, w12_1, w11_2, w21_2 = w\n"
         "    delta_2 = -2 * (y - y_hat) * d(a1_2)\n"
         "    return torch.stack([delta_2 * w11_2 * d(a1_1) * x, delta_2 * w21_2 * d(a2_1) * x,\n"
         "                        delta_2 * z1, delta_2 * z2]).detach()\n"),
        ("one factor per arrow, named",
         "def symbolic_gradients(w, x, y):\n    w11_1, w12_1, w11_2, w21_2 = w\n    with torch.no_grad():\n"
         "        L, (a1_1, z1, a2_1, z2, a1_2, y_hat) = forward(w, x, y)\n"
         "        delta_2 = -2 * (y - y_hat) * gp(a1_2)\n"
         "        delta1_1 = delta_2 * w11_2 * gp(a1_1)\n        delta1_2 = delta_2 * w21_2 * gp(a2_1)\n"
         "        dL_dw = [delta1_1 * x, delta1_2 * x, delta_2 * z1, delta_2 * z2]\n"
         "    return torch.stack(dL_dw)\n"),
    ],
}

# Mistakes the walk cannot try among the others (they spoil the shared forward pass); see the module
# docstring. Same format as WRONG_ANSWERS_03.
NOT_IN_THE_WALK_03 = {
    (CH, 0): [
        ("autograd instead of the formulas, L.backward() without retain_graph",
         "L.backward()\ndL_dw11_2, dL_dw21_2 = w11_2.grad, w21_2.grad\n"
         "dL_dw11_1, dL_dw12_1 = w11_1.grad, w12_1.grad\n", "formulas"),
        ("z1 multiplied in place (dL_dw11_2 is z1 itself)",
         "with torch.no_grad():\n    delta_2 = -2 * (y - y_hat) * gp(a1_2)\n"
         "    dL_dw11_2 = z1\n    dL_dw11_2 *= delta_2\n    dL_dw21_2 = delta_2 * z2\n"
         "    dL_dw11_1 = delta_2 * w11_2 * gp(a1_1) * x\n    dL_dw12_1 = delta_2 * w21_2 * gp(a2_1) * x\n",
         "in place"),
    ],
}
