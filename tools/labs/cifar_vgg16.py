"""cifar-vgg16 (PyTorch, course document 002, task 5.2): normalisation from the training set's own
mean and std; albumentations augmentations with a contrast change and a blur on the training set;
torchvision's VGG16 with every layer frozen but a replaced last Linear; the model saved to a file,
loaded into a new instance in the next cell, and the test metrics computed with that instance."""

from __future__ import annotations

from labkit import edit, make_lab

CV_INTRO = """\
# CIFAR-10 with a frozen VGG16 (PyTorch)

1. Compute the per-channel mean and std of the training set and normalise with them.
2. Augment the training set with albumentations, including a contrast change and a blur.
3. Take VGG16 from torchvision, freeze every layer, replace the last Linear layer with one for the
   10 classes and train only that layer.
4. Save the model to a file; in the next cell load it into a new instance and compute the test
   metrics with the loaded instance.

The exact contract of every name is in README.md."""

CV_PARAMS = """\
TRAIN_SIZE = 5000  # training images used; the grader sets TRAIN_SIZE = 512 when it grades
TEST_SIZE = 1000   # test images scored; the grader sets TEST_SIZE = 200
EPOCHS = 3         # the grader sets EPOCHS = 1
BATCH_SIZE = 16
LEARNING_RATE = 0.03"""

CV_IMPORTS = """\
import os

import albumentations as A
import numpy as np
import torch
import torchvision
from albumentations.pytorch import ToTensorV2
from sklearn.metrics import accuracy_score, classification_report, confusion_matrix
from torch import nn
from torchvision import models

torch.manual_seed(0)"""

CV_DATA = """\
train_data = torchvision.datasets.CIFAR10(root="data", train=True, download=True)
test_data = torchvision.datasets.CIFAR10(root="data", train=False, download=True)
x_train, y_train = train_data.data[:TRAIN_SIZE], np.array(train_data.targets[:TRAIN_SIZE])
x_test, y_test = test_data.data[:TEST_SIZE], np.array(test_data.targets[:TEST_SIZE])
print(x_train.shape, x_test.shape, train_data.classes)"""

CV_STATS = """\
# Per-channel statistics of the whole training set, in [0, 1] units
pixels = train_data.data / 255.0
mean = pixels.mean(axis=(0, 1, 2))
std = pixels.std(axis=(0, 1, 2))
print("mean", mean.round(4), "std", std.round(4))"""

CV_AUGMENT = """\
train_transform = A.Compose([
    A.HorizontalFlip(p=0.5),
    A.RandomBrightnessContrast(brightness_limit=0.1, contrast_limit=0.3, p=0.5),
    A.GaussianBlur(blur_limit=(3, 3), p=0.3),
    A.Normalize(mean=mean, std=std),
    ToTensorV2(),
], seed=0)
test_transform = A.Compose([A.Normalize(mean=mean, std=std), ToTensorV2()])


class ImageDataset(torch.utils.data.Dataset):
    \"\"\"uint8 images (n, 32, 32, 3) and labels, passed through an albumentations pipeline.\"\"\"

    def __init__(self, images, labels, transform):
        self.images, self.labels, self.transform = images, labels, transform

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        return self.transform(image=self.images[index])["image"], int(self.labels[index])


train_set = ImageDataset(x_train, y_train, train_transform)
train_loader = torch.utils.data.DataLoader(train_set, batch_size=BATCH_SIZE, shuffle=True)"""

CV_MODEL = """\
# ImageNet weights when an instructor has put them in torch's cache (no download here), else random ones
checkpoint = os.path.join(torch.hub.get_dir(), "checkpoints", "vgg16-397923af.pth")
weights = models.VGG16_Weights.IMAGENET1K_V1 if os.path.exists(checkpoint) else None
print("weights:", weights)
model = models.vgg16(weights=weights)
for parameter in model.parameters():
    parameter.requires_grad = False
model.classifier[6] = nn.Linear(model.classifier[6].in_features, 10)  # new, trainable"""

CV_TRAIN = """\
optimizer = torch.optim.Adam(model.classifier[6].parameters(), lr=LEARNING_RATE)
model.eval()  # the frozen layers keep their inference behaviour (no dropout); only the new head learns
for epoch in range(EPOCHS):
    total = 0.0
    for images, labels in train_loader:
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(labels)
    print(f"epoch {epoch + 1}: loss {total / len(train_set):.4f}")"""

CV_SAVE = """\
torch.save(model.state_dict(), "vgg16_cifar10.pt")
print(f"saved vgg16_cifar10.pt ({os.path.getsize('vgg16_cifar10.pt') / 2**20:.0f} MiB)")"""

CV_LOAD = """\
loaded_model = models.vgg16(weights=None)
loaded_model.classifier[6] = nn.Linear(loaded_model.classifier[6].in_features, 10)
loaded_model.load_state_dict(torch.load("vgg16_cifar10.pt"))
loaded_model.eval()"""

CV_EVALUATE = """\
def predict(images):
    \"\"\"uint8 images (n, 32, 32, 3) -> predicted classes (n,), by the model loaded from the file.\"\"\"
    batch = torch.stack([test_transform(image=image)["image"] for image in images])
    with torch.no_grad():
        return torch.cat([loaded_model(part).argmax(1) for part in batch.split(100)]).numpy()


test_predictions = predict(x_test)
test_accuracy = accuracy_score(y_test, test_predictions)
confusion = confusion_matrix(y_test, test_predictions, labels=range(10))
print(f"test accuracy of the loaded model: {test_accuracy:.3f}")
print(confusion)
print(classification_report(y_test, test_predictions, target_names=train_data.classes, zero_division=0))"""

CV_CONCLUSIONS = """\
## Conclusions

With ImageNet weights the frozen VGG16 features separate the classes well and the new head alone
reaches a good accuracy. With random weights (when no checkpoint is available) the frozen features
carry little information and the head stays far below a small CNN trained from scratch: transfer
learning only helps when the frozen layers have learned something."""

CV_REFERENCE = [
    ("intro", "md", CV_INTRO), ("parameters", "params", CV_PARAMS), ("imports", "code", CV_IMPORTS),
    ("data-md", "md", "## Data"), ("data", "code", CV_DATA),
    ("stats-md", "md", "## Normalisation constants from the training set"), ("stats", "code", CV_STATS),
    ("augment-md", "md", "## Augmentations"), ("augment", "code", CV_AUGMENT),
    ("model-md", "md", "## VGG16 with a new last layer"), ("model", "code", CV_MODEL),
    ("train-md", "md", "## Training the new layer"), ("train", "code", CV_TRAIN),
    ("save-md", "md", "## Saving and loading"), ("save", "code", CV_SAVE), ("load", "code", CV_LOAD),
    ("evaluate-md", "md", "## Test metrics of the loaded model"), ("evaluate", "code", CV_EVALUATE),
    ("conclusions", "md", CV_CONCLUSIONS),
]

CV_STARTER = {
    "stats": "# TODO: mean and std, one number per channel, computed from the training set\nmean = std = None",
    "augment": '''\
# TODO: train_transform, an albumentations pipeline with a contrast change and a blur (and the
# normalisation with your mean and std); test_transform without augmentations; train_set, a
# Dataset whose .transform is train_transform; train_loader''',
    "model": edit(CV_MODEL, '''model = models.vgg16(weights=weights)
for parameter in model.parameters():
    parameter.requires_grad = False
model.classifier[6] = nn.Linear(model.classifier[6].in_features, 10)  # new, trainable''',
                  "# TODO: model = VGG16 with these weights, every parameter frozen, the last Linear replaced\n"
                  "# by a trainable one with 10 outputs"),
    "train": "# TODO: train the new last layer for EPOCHS epochs",
    "save": "# TODO: save the model to vgg16_cifar10.pt",
    "load": "# TODO: loaded_model, a NEW VGG16 instance with the weights loaded from vgg16_cifar10.pt",
    "evaluate": '''\
# TODO: predict(images) with loaded_model; on the test set: test_accuracy, confusion (the confusion
# matrix, rows are true classes) and a classification report''',
    "conclusions": "## Conclusions\n\nTODO: how good is the frozen VGG16, and why?",
}

CV_KNOWN_WRONG = {
    # ImageNet's constants instead of the training set's own statistics
    "imagenet_constants": (["normalisation"], {
        "stats": edit(CV_STATS, 'mean = pixels.mean(axis=(0, 1, 2))\nstd = pixels.std(axis=(0, 1, 2))',
                      "mean = np.array([0.485, 0.456, 0.406])\nstd = np.array([0.229, 0.224, 0.225])"),
    }),
    # the pipeline changes contrast but never blurs
    "no_blur": (["augmentations"], {
        "augment": edit(CV_AUGMENT, "    A.GaussianBlur(blur_limit=(3, 3), p=0.3),\n", ""),
    }),
    # only the convolutional features frozen: the classifier's first two Linear layers still train
    "classifier_not_frozen": (["vgg16-transfer"], {
        "model": edit(CV_MODEL, "for parameter in model.parameters():", "for parameter in model.features.parameters():"),
    }),
    # the metrics come from the model still in memory, not from the one loaded from the file
    "metrics_from_memory": (["reloaded"], {
        "evaluate": edit(CV_EVALUATE, "loaded_model(part)", "model(part)",
                         "by the model loaded from the file", "by the trained model"),
    }),
}

CV_EXAMPLES = {
    "anna_good": None,
    "boris_imagenet_constants": CV_KNOWN_WRONG["imagenet_constants"][1],
    "clara_metrics_from_memory": CV_KNOWN_WRONG["metrics_from_memory"][1],
}


def make() -> None:
    make_lab("cifar-vgg16", CV_REFERENCE, CV_STARTER, CV_KNOWN_WRONG, CV_EXAMPLES)
