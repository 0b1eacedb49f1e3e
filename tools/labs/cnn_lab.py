"""cnn-lab (PyTorch, course document 000, lab 1): CIFAR-10 preprocessing (augmentation and
normalisation), transfer learning on a frozen torchvision backbone, three from-scratch CNNs that
differ in depth and activation, a hyper-parameter search over two parameters, and the chosen best
model's accuracy on held-out images."""

from __future__ import annotations

from labkit import edit, make_lab

CL_INTRO = """\
# Lab 1: convolutional neural networks (PyTorch, CIFAR-10)

1. Preprocess the data: show augmentation and normalisation.
2. Transfer learning: a pretrained backbone, frozen, with a new classifier head.
3. At least three CNNs of your own, trained from scratch, with different layers and activations.
4. A hyper-parameter search over at least two parameters; choose the best model.

The exact contract of every name is in README.md."""

CL_PARAMS = """\
TRAIN_SIZE = 5000  # training images used; the grader sets TRAIN_SIZE = 1000 when it grades
EPOCHS = 3         # the grader sets EPOCHS = 1
BATCH_SIZE = 32"""

CL_IMPORTS = """\
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
import torchvision
from torch import nn
from torch.utils.data import DataLoader, Subset
from torchvision import models, transforms

torch.manual_seed(0)"""

CL_DATA = """\
train_data = torchvision.datasets.CIFAR10(root="data", train=True, download=True)
test_data = torchvision.datasets.CIFAR10(root="data", train=False, download=True)
x_test, y_test = test_data.data, np.array(test_data.targets)  # uint8 (n, 32, 32, 3), class ids
print(train_data.data.shape, x_test.shape, train_data.classes)"""

CL_PREPROCESS = """\
# Normalisation with the training set's own per-channel mean and standard deviation (all of it).
pixels = train_data.data.reshape(-1, 3) / 255.0
MEAN, STD = pixels.mean(axis=0), pixels.std(axis=0)
print("mean", MEAN.round(3), "std", STD.round(3))

# Augmentation for training only: random flips and shifted crops, then normalisation.
train_transform = transforms.Compose([
    transforms.RandomHorizontalFlip(),
    transforms.RandomCrop(32, padding=4),
    transforms.ToTensor(),
    transforms.Normalize(MEAN.tolist(), STD.tolist()),
])
test_transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize(MEAN.tolist(), STD.tolist())])

train_data.transform = train_transform
train_set = Subset(train_data, range(TRAIN_SIZE))

# Show it: one training image and six augmented versions of it (un-normalised for display).
original = transforms.functional.to_pil_image(train_data.data[0])
figure, axes = plt.subplots(1, 7, figsize=(12, 2))
axes[0].imshow(original)
axes[0].set_title("original")
for axis in axes[1:]:
    picture = train_transform(original) * torch.tensor(STD).view(3, 1, 1) + torch.tensor(MEAN).view(3, 1, 1)
    axis.imshow(picture.permute(1, 2, 0).clamp(0, 1).numpy())
for axis in axes:
    axis.axis("off")
plt.show()"""

CL_HELPERS = """\
def train(model, lr=1e-3, batch_size=BATCH_SIZE):
    \"\"\"Adam on the model's trainable parameters for EPOCHS epochs of augmented training images.\"\"\"
    loader = DataLoader(train_set, batch_size=batch_size, shuffle=True)
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    model.train()
    for _ in range(EPOCHS):
        for images, labels in loader:
            optimizer.zero_grad()
            F.cross_entropy(model(images), labels).backward()
            optimizer.step()
    return model


def predictor(model):
    \"\"\"A function: uint8 images (n, 32, 32, 3) -> predicted classes (n,), test preprocessing.\"\"\"
    def predict(images):
        model.eval()
        with torch.no_grad():
            inputs = torch.stack([test_transform(image) for image in np.asarray(images)])
            return model(inputs).argmax(1).numpy()
    return predict


def accuracy(predict):
    return float((predict(x_test) == y_test).mean())


def parameter_count(model):
    return sum(p.numel() for p in model.parameters())


predictors = {}  # model or search run -> its predict function"""

CL_TRANSFER = """\
# ImageNet weights cannot be downloaded here: use them only if they are already in torch's cache.
weights = models.ResNet18_Weights.IMAGENET1K_V1
cached = (Path(torch.hub.get_dir()) / "checkpoints" / Path(weights.url).name).exists()
transfer_model = models.resnet18(weights=weights if cached else None)
for parameter in transfer_model.parameters():
    parameter.requires_grad = False  # the backbone stays as it is
transfer_model.fc = nn.Linear(transfer_model.fc.in_features, 10)  # the new head: the only trainable layer
print("pretrained" if cached else "random", "backbone;", parameter_count(transfer_model), "parameters,",
      sum(p.numel() for p in transfer_model.parameters() if p.requires_grad), "trainable")"""

CL_SCRATCH = """\
class ScratchCNN(nn.Module):
    \"\"\"One 3x3 convolution per entry of `widths`, each followed by `activation` and a 2x2
    max-pool (BatchNorm before the activation if `batch_norm`), then global average pooling and
    a linear classifier.\"\"\"

    def __init__(self, widths, activation, batch_norm=False):
        super().__init__()
        layers, channels = [], 3
        for width in widths:
            layers.append(nn.Conv2d(channels, width, 3, padding=1))
            if batch_norm:
                layers.append(nn.BatchNorm2d(width))
            layers += [activation(), nn.MaxPool2d(2)]
            channels = width
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(channels, 10)

    def forward(self, x):
        return self.classifier(F.adaptive_avg_pool2d(self.features(x), 1).flatten(1))


cnn_1 = ScratchCNN([16, 32], nn.ReLU)
cnn_2 = ScratchCNN([16, 32, 64], nn.ELU)
cnn_3 = ScratchCNN([16, 32, 64, 64], nn.LeakyReLU, batch_norm=True)"""

CL_COMPARE = """\
rows = []
for name in ["transfer_model", "cnn_1", "cnn_2", "cnn_3"]:
    model = globals()[name]
    start = time.perf_counter()
    train(model)
    seconds = time.perf_counter() - start
    predictors[name] = predictor(model)
    rows.append({"model": name, "params": parameter_count(model), "accuracy": accuracy(predictors[name]),
                 "train_seconds": seconds})
comparison = pd.DataFrame(rows)
print(comparison.to_string(index=False))"""

CL_SEARCH = """\
# A grid over the learning rate and the batch size, on cnn_3's architecture.
search_models, search_rows = {}, []
for lr in [1e-3, 3e-3]:
    for batch_size in [32, 64]:
        run = f"lr={lr:g}, batch={batch_size}"
        torch.manual_seed(0)
        model = ScratchCNN([16, 32, 64, 64], nn.LeakyReLU, batch_norm=True)
        search_models[run] = train(model, lr=lr, batch_size=batch_size)
        predictors[run] = predictor(search_models[run])
        search_rows.append({"run": run, "lr": lr, "batch_size": batch_size, "accuracy": accuracy(predictors[run])})
search_results = pd.DataFrame(search_rows)
print(search_results.to_string(index=False))"""

CL_BEST = """\
best_run = search_results.loc[search_results["accuracy"].idxmax(), "run"]
best_model = search_models[best_run]
predict = predictors[best_run]
print("best:", best_run, "test accuracy", round(accuracy(predict), 3))"""

CL_CONCLUSIONS = """\
## Conclusions

- Augmentation (flips, shifted crops) and normalisation with the training set's statistics are
  applied to training images; test images are only normalised.
- The frozen backbone trains only its new head: few trainable parameters, fast epochs.
- Deeper from-scratch CNNs with BatchNorm learn faster than the shallow one.
- The search picks the learning rate and batch size with the best test accuracy."""

CL_REFERENCE = [
    ("intro", "md", CL_INTRO), ("parameters", "params", CL_PARAMS), ("imports", "code", CL_IMPORTS),
    ("data-md", "md", "## Data"), ("data", "code", CL_DATA),
    ("preprocess-md", "md", "## Preprocessing: augmentation and normalisation"), ("preprocess", "code", CL_PREPROCESS),
    ("helpers-md", "md", "## Training and evaluation helpers"), ("helpers", "code", CL_HELPERS),
    ("transfer-md", "md", "## Transfer learning: a frozen ResNet-18 with a new head"), ("transfer", "code", CL_TRANSFER),
    ("scratch-md", "md", "## CNNs from scratch"), ("scratch", "code", CL_SCRATCH),
    ("compare-md", "md", "## Training and comparing the models"), ("compare", "code", CL_COMPARE),
    ("search-md", "md", "## Hyper-parameter search"), ("search", "code", CL_SEARCH),
    ("best-md", "md", "## The chosen model"), ("best", "code", CL_BEST),
    ("conclusions", "md", CL_CONCLUSIONS),
]

CL_STARTER = {
    "preprocess": '''\
# TODO: MEAN and STD of all training images (per channel, in [0, 1]);
# train_transform: a torchvision transforms.Compose with augmentation (e.g. a random flip), ToTensor, Normalize;
# test_transform: ToTensor and Normalize only; train_data.transform = train_transform and
# train_set = Subset(train_data, range(TRAIN_SIZE)) (the helpers below use train_set and test_transform).
# Show a few augmented images.''',
    "transfer": '''\
# TODO: transfer_model, e.g. torchvision.models.resnet18(weights=...), every parameter frozen,
# with a new last layer nn.Linear(..., 10) that trains''',
    "scratch": '''\
# TODO: cnn_1, cnn_2, cnn_3: your own CNNs, each with more convolutions than the one before,
# no two with the same activation functions''',
    "compare": '''\
# TODO: train transfer_model, cnn_1, cnn_2, cnn_3; put predictor(model) in predictors[name];
# comparison = pd.DataFrame with the columns model, params, accuracy (one row per model)''',
    "search": '''\
# TODO: a grid over at least two hyper-parameters; search_models[run] = the trained model,
# predictors[run] = predictor(model); search_results = pd.DataFrame with the columns run, accuracy
# and one column per hyper-parameter''',
    "best": '''\
# TODO: best_run, best_model and predict (the best model's predict function)''',
    "conclusions": "## Conclusions\n\nTODO: what helped, what did not, which model you chose and why.",
}

CL_KNOWN_WRONG = {
    # the backbone is left trainable: this is fine-tuning the whole network, not a frozen backbone
    "backbone_trainable": (["transfer-frozen"], {
        "transfer": edit(CL_TRANSFER, "    parameter.requires_grad = False  # the backbone stays as it is",
                         "    parameter.requires_grad = True"),
    }),
    # three CNNs that differ only in width: same depth, same activation
    "cnns_differ_only_in_width": (["scratch-cnn-depths", "scratch-cnn-activations"], {
        "scratch": edit(CL_SCRATCH, "cnn_1 = ScratchCNN([16, 32], nn.ReLU)\n"
                        "cnn_2 = ScratchCNN([16, 32, 64], nn.ELU)\n"
                        "cnn_3 = ScratchCNN([16, 32, 64, 64], nn.LeakyReLU, batch_norm=True)",
                        "cnn_1 = ScratchCNN([8, 16], nn.ReLU)\n"
                        "cnn_2 = ScratchCNN([16, 32], nn.ReLU)\n"
                        "cnn_3 = ScratchCNN([32, 64], nn.ReLU)"),
    }),
    # the search varies the learning rate only (four rates, one batch size)
    "search_varies_one_parameter": (["search-table"], {
        "search": edit(CL_SEARCH, "for lr in [1e-3, 3e-3]:\n    for batch_size in [32, 64]:",
                       "for lr in [3e-4, 1e-3, 2e-3, 3e-3]:\n    for batch_size in [32]:"),
    }),
    # training images are only normalised, never augmented
    "no_augmentation": (["augmentation"], {
        "preprocess": edit(CL_PREPROCESS, "    transforms.RandomHorizontalFlip(),\n    transforms.RandomCrop(32, padding=4),\n", ""),
    }),
    # "best" model: a fresh, untrained network of the chosen architecture
    "best_model_untrained": (["hidden-accuracy"], {
        "best": edit(CL_BEST, "best_model = search_models[best_run]\npredict = predictors[best_run]",
                     "best_model = ScratchCNN([16, 32, 64, 64], nn.LeakyReLU, batch_norm=True)\npredict = predictor(best_model)"),
    }),
}

CL_EXAMPLES = {
    "anna_good": {},
    "boris_trainable_backbone": CL_KNOWN_WRONG["backbone_trainable"][1],
    "clara_one_parameter_search": CL_KNOWN_WRONG["search_varies_one_parameter"][1],
}


def make() -> None:
    make_lab("cnn-lab", CL_REFERENCE, CL_STARTER, CL_KNOWN_WRONG, CL_EXAMPLES)
