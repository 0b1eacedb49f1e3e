"""A class of mnist-mlp notebooks for the similarity tests: the reference as one student's
original, three disguised copies of it, independent solutions written to the same starter in
different styles, and a student who handed in the starter untouched.

Each student fills the starter's TODO cells (6: the model, 8: training, 10: predict, 11: the
report, 12: saving); everything else is the starter's own.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from conftest import REPO

STARTER = REPO / "assignments" / "mnist-mlp" / "starter.ipynb"
REFERENCE = REPO / "reference_solutions" / "mnist-mlp.ipynb"
TODO_CELLS = (6, 8, 10, 11, 12)


def reference_cells() -> dict[int, str]:
    notebook = nbformat.read(str(REFERENCE), as_version=4)
    return {index: notebook.cells[index].source for index in TODO_CELLS}


RENAMED = {  # the original, renamed, comments and docstrings gone, reformatted
    6: '''class MLP(nn.Module):

    def __init__(self, hidden_sizes, n_inputs = 784, n_classes = 10, dropout = 0.3):
        super().__init__()
        blocks = [
            nn.Dropout(dropout)
        ]
        prev = n_inputs
        for h in hidden_sizes:
            blocks += [nn.Linear(prev, h),
                       nn.ReLU()]
            prev = h
        blocks.append(nn.Linear(prev,
                                n_classes))
        self.net = nn.Sequential(*blocks)

    def forward(self, inp):
        return self.net(inp)

HIDDEN_SIZES = [256, 128, 64]
model = MLP(HIDDEN_SIZES)
print(model)''',
    8: '''criterion = nn.CrossEntropyLoss()
opt = torch.optim.Adam(model.parameters(), lr = 1e-3)
inputs, targets = to_tensor(x_train), torch.as_tensor(y_train, dtype = torch.long)
for ep in range(EPOCHS):
    model.train()
    perm = torch.randperm(len(inputs))
    running = 0.0
    for i in range(0, len(inputs), BATCH_SIZE):
        idx = perm[i : i + BATCH_SIZE]
        opt.zero_grad()
        l = criterion(model(inputs[idx]), targets[idx])
        l.backward()
        opt.step()
        running += l.item() * len(idx)
    print(f"epoch {ep + 1}: loss {running / len(inputs):.4f}")''',
    10: '''def predict(imgs):
    model.eval()
    with torch.no_grad():
        return model(to_tensor(imgs)).argmax(dim = 1).numpy()''',
    11: '''preds = predict(x_test)
test_accuracy = float(np.mean(preds == y_test))
print(classification_report(y_test, preds, digits = 4))
print(f"test accuracy: {test_accuracy:.4f}")''',
    12: '''torch.save(model.state_dict(), "mnist_mlp.pt")
copy = MLP(HIDDEN_SIZES)
copy.load_state_dict(torch.load("mnist_mlp.pt"))
print("saved and reloaded")''',
}

FUNCTIONAL = {  # independent: ModuleList, F.relu, DataLoader, SGD with momentum, batched predict
    6: '''import torch.nn.functional as F


class MLP(nn.Module):
    def __init__(self, hidden_sizes, n_inputs=784, n_classes=10, dropout=0.3):
        super().__init__()
        self.drop = nn.Dropout(p=dropout)
        sizes = [n_inputs] + list(hidden_sizes)
        self.hidden = nn.ModuleList(nn.Linear(i, o) for i, o in zip(sizes[:-1], sizes[1:]))
        self.out = nn.Linear(sizes[-1], n_classes)

    def forward(self, x):
        x = self.drop(x)
        for layer in self.hidden:
            x = F.relu(layer(x))
        return self.out(x)


HIDDEN_SIZES = [512, 256, 128]
model = MLP(HIDDEN_SIZES)''',
    8: '''from torch.utils.data import DataLoader, TensorDataset

train_loader = DataLoader(TensorDataset(to_tensor(x_train), torch.from_numpy(y_train).long()),
                          batch_size=BATCH_SIZE, shuffle=True)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
history = []
for epoch in range(EPOCHS):
    model.train()
    for xb, yb in train_loader:
        optimizer.zero_grad()
        criterion(model(xb), yb).backward()
        optimizer.step()
    history.append(epoch)''',
    10: '''def predict(images, batch=1000):
    model.eval()
    outputs = []
    with torch.no_grad():
        for i in range(0, len(images), batch):
            logits = model(to_tensor(images[i:i + batch]))
            outputs.append(logits.argmax(1))
    return torch.cat(outputs).numpy()''',
    11: '''y_hat = predict(x_test)
test_accuracy = (y_hat == y_test).mean()
print(classification_report(y_test, y_hat))
print("test accuracy:", round(float(test_accuracy), 4))''',
    12: '''torch.save(model.state_dict(), "mnist_mlp.pt")
clone = MLP(HIDDEN_SIZES)
clone.load_state_dict(torch.load("mnist_mlp.pt"))''',
}

ORDERED_DICT = {  # independent: an OrderedDict of named layers, tanh, numpy shuffling, RMSprop
    6: '''from collections import OrderedDict


class MLP(nn.Module):
    """Three tanh layers behind input dropout."""

    def __init__(self, hidden_sizes, n_inputs=784, n_classes=10, dropout=0.3):
        super(MLP, self).__init__()
        named = OrderedDict(dropout=nn.Dropout(dropout))
        last = n_inputs
        for number, units in enumerate(hidden_sizes, start=1):
            named[f"fc{number}"] = nn.Linear(last, units)
            named[f"tanh{number}"] = nn.Tanh()
            last = units
        named["logits"] = nn.Linear(last, n_classes)
        self.body = nn.Sequential(named)

    def forward(self, batch):
        return self.body(batch)


HIDDEN_SIZES = [300, 150, 50]
model = MLP(HIDDEN_SIZES)''',
    8: '''rng = np.random.default_rng(1)
features = to_tensor(x_train)
labels = torch.tensor(y_train, dtype=torch.int64)
loss_function = nn.CrossEntropyLoss(label_smoothing=0.05)
optim = torch.optim.RMSprop(model.parameters(), lr=5e-4)
n = features.shape[0]
for e in range(1, EPOCHS + 1):
    shuffled = rng.permutation(n)
    for k in range(n // BATCH_SIZE):
        rows = torch.from_numpy(shuffled[k * BATCH_SIZE:(k + 1) * BATCH_SIZE])
        optim.zero_grad()
        loss = loss_function(model(features[rows]), labels[rows])
        loss.backward()
        optim.step()
    print("epoch", e, "done, last batch loss", float(loss))''',
    10: '''def predict(images):
    """Digits for a batch of raw images."""
    with torch.no_grad():
        model.train(False)
        scores = model.forward(to_tensor(images))
    return np.asarray(scores.max(dim=1).indices)''',
    11: '''from sklearn.metrics import accuracy_score

guesses = predict(x_test)
test_accuracy = accuracy_score(y_test, guesses)
report = classification_report(y_test, guesses, output_dict=False)
print(report)
print(f"test accuracy: {test_accuracy:.4f}")''',
    12: '''weights_file = "mnist_mlp.pt"
torch.save(model.state_dict(), weights_file)
fresh = MLP(HIDDEN_SIZES)
missing, unexpected = fresh.load_state_dict(torch.load(weights_file), strict=True)
assert not missing and not unexpected''',
}

NLL = {  # independent: explicit layer attributes, LeakyReLU + log_softmax + NLLLoss, an epoch function
    6: '''class MLP(nn.Module):
    def __init__(self, hidden_sizes, n_inputs=784, n_classes=10, dropout=0.3):
        super().__init__()
        a, b, c = hidden_sizes
        self.dropout = nn.Dropout(dropout)
        self.fc1 = nn.Linear(n_inputs, a)
        self.fc2 = nn.Linear(a, b)
        self.fc3 = nn.Linear(b, c)
        self.head = nn.Linear(c, n_classes)
        self.act = nn.LeakyReLU(0.01)

    def forward(self, x):
        h = self.act(self.fc1(self.dropout(x)))
        h = self.act(self.fc2(h))
        h = self.act(self.fc3(h))
        return torch.log_softmax(self.head(h), dim=-1)


HIDDEN_SIZES = [128, 96, 32]
model = MLP(HIDDEN_SIZES)''',
    8: '''def train_one_epoch(net, xs, ys, opt, loss_fn):
    net.train()
    permutation = torch.randperm(xs.size(0))
    seen, total_loss = 0, 0.0
    while seen < xs.size(0):
        chosen = permutation[seen:seen + BATCH_SIZE]
        opt.zero_grad()
        value = loss_fn(net(xs[chosen]), ys[chosen])
        value.backward()
        opt.step()
        total_loss += value.item()
        seen += BATCH_SIZE
    return total_loss


optimizer = torch.optim.Adam(model.parameters(), lr=2e-3, weight_decay=1e-5)
xs, ys = to_tensor(x_train), torch.LongTensor(y_train)
for epoch_index in range(EPOCHS):
    print(epoch_index, train_one_epoch(model, xs, ys, optimizer, nn.NLLLoss()))''',
    10: '''def predict(images):
    model.eval()
    probabilities = torch.exp(model(to_tensor(images))).detach()
    return probabilities.numpy().argmax(axis=1).astype(int)''',
    11: '''predicted = predict(x_test)
correct = int((predicted == y_test).sum())
test_accuracy = correct / len(y_test)
print(classification_report(y_test, predicted, digits=3))
print(f"test accuracy: {test_accuracy:.4f} ({correct} of {len(y_test)})")''',
    12: '''torch.save(model.state_dict(), "mnist_mlp.pt")
second = MLP(HIDDEN_SIZES)
second.load_state_dict(torch.load("mnist_mlp.pt"))
second.eval()''',
}

# A partial copy: the original's MLP class (locals renamed again), everything else the student's own.
PARTIAL = {
    6: RENAMED[6].replace("blocks", "parts").replace("prev", "fan_in"),
    8: '''optimizer = torch.optim.Adagrad(model.parameters(), lr=0.01)
criterion = nn.CrossEntropyLoss()
data = to_tensor(x_train)
target = torch.as_tensor(y_train).long()
steps = 0
for _ in range(EPOCHS):
    for chunk in torch.split(torch.randperm(len(data)), BATCH_SIZE):
        optimizer.zero_grad()
        criterion(model(data[chunk]), target[chunk]).backward()
        optimizer.step()
        steps += 1
print(steps, "steps")''',
    10: '''@torch.no_grad()
def predict(images):
    model.eval()
    return np.array([int(model(to_tensor(image[None])).argmax()) for image in images])''',
    11: '''answers = predict(x_test)
hits = np.sum(answers == y_test)
test_accuracy = hits / y_test.size
print("test accuracy: %.4f" % test_accuracy)
print(classification_report(y_test, answers))''',
    12: '''path_to_weights = "mnist_mlp.pt"
torch.save(model.state_dict(), path_to_weights)
reloaded = MLP(HIDDEN_SIZES)
reloaded.load_state_dict(torch.load(path_to_weights))
print(reloaded)''',
}

# The original with its cells in another order: predict and the saving cell moved up (they only
# define or use what exists by the time they run in the student's own order of execution).
REORDERED_ORDER = [0, 1, 2, 3, 5, 6, 10, 12, 7, 8, 9, 4, 11, 13]

COPIED = ["orig", "renamed", "reordered", "partial"]  # every pair of these is a copy
INDEPENDENT = ["functional", "ordered-dict", "nll"]      # each pair with one of these is not


def notebook(filled: dict[int, str], order: list[int] | None = None) -> nbformat.NotebookNode:
    book = nbformat.read(str(STARTER), as_version=4)
    for index, source in filled.items():
        book.cells[index].source = source
    if order is not None:
        book.cells = [book.cells[index] for index in order]
    return book


def write_class(folder: Path) -> dict[str, Path]:
    """One notebook per student under `folder`; {student id: path}."""
    folder.mkdir(parents=True, exist_ok=True)
    original = reference_cells()
    books = {"orig": notebook(original), "renamed": notebook(RENAMED),
             "reordered": notebook(original, REORDERED_ORDER), "partial": notebook(PARTIAL),
             "functional": notebook(FUNCTIONAL), "ordered-dict": notebook(ORDERED_DICT), "nll": notebook(NLL),
             "starter-only": notebook({})}
    paths = {}
    for student, book in books.items():
        paths[student] = folder / f"{student}.ipynb"
        nbformat.write(book, str(paths[student]))
    return paths
