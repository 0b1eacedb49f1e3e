"""resnet-study (PyTorch, course document 004): a fully connected net vs a plain CNN vs a residual
CNN on MNIST and CIFAR-10; kernel sizes 3/5/7 and 1x1+3x3; shallow vs deep; a custom convolution as an
autograd Function; basic, bottleneck and wide residual blocks; a comparison table."""

from __future__ import annotations

from labkit import edit, make_lab

RS_INTRO = """\
# ResNet study: fully connected vs CNN vs residual CNN (PyTorch)

Compare:

- a fully connected net, a plain CNN and a residual CNN, on MNIST and on CIFAR-10;
- CNNs with 3x3, 5x5 and 7x7 kernels and one that combines 1x1 and 3x3 convolutions;
- a shallow and a deep residual network;
- a convolution written as your own `torch.autograd.Function`, with a correct `backward`;
- basic, bottleneck (1x1-3x3-1x1) and wide residual blocks;
- one table with every model's dataset, accuracy, parameter count and training time.

The exact contract of every name is in README.md."""

RS_PARAMS = """\
TRAIN_SIZE = 5000  # training images used of each dataset; the grader sets TRAIN_SIZE = 256 when it grades
EPOCHS = 2         # the grader sets EPOCHS = 1
BATCH_SIZE = 64"""

RS_IMPORTS = """\
import os
import time

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn
from torchvision.datasets import CIFAR10

torch.manual_seed(0)"""

RS_DATA = """\
def to_tensors(images, labels):
    \"\"\"uint8 images, (n, h, w) grey or (n, h, w, 3) colour -> float32 (n, channels, h, w) in [0, 1],
    and the labels as a long tensor.\"\"\"
    x = torch.as_tensor(np.asarray(images), dtype=torch.float32) / 255.0
    x = x.unsqueeze(1) if x.ndim == 3 else x.permute(0, 3, 1, 2).contiguous()
    return x, torch.as_tensor(np.asarray(labels), dtype=torch.long)


with np.load(os.path.expanduser("~/.keras/datasets/mnist.npz")) as mnist:
    mnist_data = (*to_tensors(mnist["x_train"][:TRAIN_SIZE], mnist["y_train"][:TRAIN_SIZE]),
                  *to_tensors(mnist["x_test"][:1000], mnist["y_test"][:1000]))
cifar_train = CIFAR10(root="data", train=True, download=True)
cifar_test = CIFAR10(root="data", train=False, download=True)
cifar_data = (*to_tensors(cifar_train.data[:TRAIN_SIZE], cifar_train.targets[:TRAIN_SIZE]),
              *to_tensors(cifar_test.data[:1000], cifar_test.targets[:1000]))

DATA = {"mnist": mnist_data, "cifar10": cifar_data}  # dataset -> (X_train, Y_train, X_test, Y_test)
for dataset, (X_train, _, X_test, _) in DATA.items():
    print(dataset, tuple(X_train.shape), tuple(X_test.shape))"""

RS_CUSTOM = """\
class Conv2dFunction(torch.autograd.Function):
    \"\"\"A 2-D convolution (stride 1, no padding) with a hand-written backward pass.\"\"\"

    @staticmethod
    def forward(ctx, x, weight):
        ctx.save_for_backward(x, weight)
        return F.conv2d(x, weight)

    @staticmethod
    def backward(ctx, grad_output):
        x, weight = ctx.saved_tensors
        grad_x = torch.nn.grad.conv2d_input(x.shape, weight, grad_output)
        grad_weight = torch.nn.grad.conv2d_weight(x, weight.shape, grad_output)
        return grad_x, grad_weight


class CustomConv2d(nn.Module):
    \"\"\"A convolution layer that runs Conv2dFunction.\"\"\"

    def __init__(self, in_channels, out_channels, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size) * 0.1)

    def forward(self, x):
        return Conv2dFunction.apply(x, self.weight)


torch.autograd.gradcheck(Conv2dFunction.apply, (torch.randn(1, 2, 5, 5, dtype=torch.float64, requires_grad=True),
                                                torch.randn(3, 2, 3, 3, dtype=torch.float64, requires_grad=True)))
print("Conv2dFunction passes gradcheck")"""

RS_BLOCKS = """\
class BasicBlock(nn.Module):
    \"\"\"3x3 conv - BN - ReLU - 3x3 conv - BN, added to the input, then ReLU.\"\"\"

    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + x)


class BottleneckBlock(nn.Module):
    \"\"\"1x1 conv down to `mid` channels, 3x3 conv, 1x1 conv back up, added to the input.\"\"\"

    def __init__(self, channels, mid):
        super().__init__()
        self.reduce = nn.Conv2d(channels, mid, 1, bias=False)
        self.conv = nn.Conv2d(mid, mid, 3, padding=1, bias=False)
        self.expand = nn.Conv2d(mid, channels, 1, bias=False)
        self.bn = nn.BatchNorm2d(channels)

    def forward(self, x):
        out = F.relu(self.reduce(x))
        out = F.relu(self.conv(out))
        return F.relu(self.bn(self.expand(out)) + x)


class WideBlock(nn.Module):
    \"\"\"A basic block `widen` times as wide as its input, with a 1x1 projection shortcut.\"\"\"

    def __init__(self, channels, widen):
        super().__init__()
        width = channels * widen
        self.conv1 = nn.Conv2d(channels, width, 3, padding=1, bias=False)
        self.conv2 = nn.Conv2d(width, width, 3, padding=1, bias=False)
        self.shortcut = nn.Conv2d(channels, width, 1, bias=False)

    def forward(self, x):
        out = self.conv2(F.relu(self.conv1(x)))
        return F.relu(out + self.shortcut(x))"""

RS_MODELS = """\
class FCNet(nn.Module):
    def __init__(self, in_features=28 * 28, hidden=64):
        super().__init__()
        self.layers = nn.Sequential(nn.Flatten(), nn.Linear(in_features, hidden), nn.ReLU(), nn.Linear(hidden, 10))

    def forward(self, x):
        return self.layers(x)


class PlainCNN(nn.Module):
    \"\"\"Two convolutions of kernel_size (mixed: a 1x1 then a 3x3 convolution), pooling, a classifier.\"\"\"

    def __init__(self, kernel_size=3, mixed=False, channels=8, in_channels=1):
        super().__init__()
        first = (nn.Conv2d(in_channels, channels, 1) if mixed
                 else nn.Conv2d(in_channels, channels, kernel_size, padding=kernel_size // 2))
        second = nn.Conv2d(channels, channels, 3 if mixed else kernel_size, padding=1 if mixed else kernel_size // 2)
        self.features = nn.Sequential(first, nn.ReLU(), nn.MaxPool2d(2), second, nn.ReLU(), nn.AdaptiveAvgPool2d(4))
        self.classifier = nn.Linear(channels * 16, 10)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


class ResNet(nn.Module):
    \"\"\"A stem convolution, `blocks` basic residual blocks, global pooling, a classifier.\"\"\"

    def __init__(self, blocks=2, channels=8, in_channels=1):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_channels, channels, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(channels), nn.ReLU(), nn.MaxPool2d(2))
        self.blocks = nn.Sequential(*[BasicBlock(channels) for _ in range(blocks)])
        self.classifier = nn.Linear(channels, 10)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        return self.classifier(F.adaptive_avg_pool2d(x, 1).flatten(1))


class CustomCNN(nn.Module):
    \"\"\"PlainCNN's idea with the hand-written convolution.\"\"\"

    def __init__(self, channels=8):
        super().__init__()
        self.conv = CustomConv2d(1, channels, 3)
        self.classifier = nn.Linear(channels * 16, 10)

    def forward(self, x):
        x = F.adaptive_avg_pool2d(F.relu(self.conv(x)), 4)
        return self.classifier(torch.flatten(x, 1))


fc_mnist = FCNet()
cnn_mnist = PlainCNN(kernel_size=3)
cnn_k5 = PlainCNN(kernel_size=5)
cnn_k7 = PlainCNN(kernel_size=7)
cnn_1x1_3x3 = PlainCNN(mixed=True)
resnet_mnist = ResNet(blocks=2)
resnet_shallow = ResNet(blocks=1)
resnet_deep = ResNet(blocks=6)
custom_cnn = CustomCNN()

# the same three kinds of network for 3x32x32 CIFAR-10 images
fc_cifar = FCNet(in_features=3 * 32 * 32)
cnn_cifar = PlainCNN(kernel_size=3, in_channels=3)
resnet_cifar = ResNet(blocks=2, in_channels=3)"""

RS_TRAIN = """\
def train(model, X_train, Y_train):
    \"\"\"Train for EPOCHS epochs with Adam; returns the training time in seconds.\"\"\"
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    start = time.perf_counter()
    model.train()
    for _ in range(EPOCHS):
        order = torch.randperm(len(X_train))
        for begin in range(0, len(X_train), BATCH_SIZE):
            batch = order[begin:begin + BATCH_SIZE]
            optimizer.zero_grad()
            F.cross_entropy(model(X_train[batch]), Y_train[batch]).backward()
            optimizer.step()
    return time.perf_counter() - start


def accuracy(model, X_test, Y_test):
    model.eval()
    with torch.no_grad():
        return float((model(X_test).argmax(1) == Y_test).float().mean())


MODEL_NAMES = {"mnist": ["fc_mnist", "cnn_mnist", "cnn_k5", "cnn_k7", "cnn_1x1_3x3", "resnet_mnist",
                         "resnet_shallow", "resnet_deep", "custom_cnn"],
               "cifar10": ["fc_cifar", "cnn_cifar", "resnet_cifar"]}
rows = []
for dataset, names in MODEL_NAMES.items():
    X_train, Y_train, X_test, Y_test = DATA[dataset]
    for name in names:
        model = globals()[name]
        seconds = train(model, X_train, Y_train)
        rows.append({"model": name, "dataset": dataset, "accuracy": accuracy(model, X_test, Y_test),
                     "params": sum(p.numel() for p in model.parameters()), "train_seconds": seconds})
results = pd.DataFrame(rows)
print(results.to_string(index=False))"""

RS_CONCLUSIONS = """\
## Conclusions

- Convolutions need far fewer parameters than the fully connected net for the same accuracy.
- Larger kernels cost more parameters and time; a 1x1 convolution before a 3x3 one is cheap.
- Residual blocks let the deep network train as easily as the shallow one.
- Colour CIFAR-10 images are harder than MNIST digits for every model, and hardest for the fully
  connected net, which sees neither neighbourhoods nor shapes, only 3072 separate numbers."""

RS_REFERENCE = [
    ("intro", "md", RS_INTRO), ("parameters", "params", RS_PARAMS), ("imports", "code", RS_IMPORTS),
    ("data-md", "md", "## Data"), ("data", "code", RS_DATA),
    ("custom-md", "md", "## A custom convolution"), ("custom", "code", RS_CUSTOM),
    ("blocks-md", "md", "## Residual blocks"), ("blocks", "code", RS_BLOCKS),
    ("models-md", "md", "## Models"), ("models", "code", RS_MODELS),
    ("train-md", "md", "## Training and the comparison table"), ("train", "code", RS_TRAIN),
    ("conclusions", "md", RS_CONCLUSIONS),
]

RS_STARTER = {
    "custom": '''\
class Conv2dFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight):
        raise NotImplementedError("TODO: a 2-D convolution (stride 1, no padding); save what backward needs")

    @staticmethod
    def backward(ctx, grad_output):
        raise NotImplementedError("TODO: the gradients with respect to x and weight")


# TODO: CustomConv2d(in_channels, out_channels, kernel_size), an nn.Module that runs Conv2dFunction''',
    "blocks": '''\
# TODO: BasicBlock(channels), BottleneckBlock(channels, mid), WideBlock(channels, widen): see README.md''',
    "models": '''\
# TODO: FCNet, PlainCNN(kernel_size, mixed), ResNet(blocks), CustomCNN, and the twelve models:
# on MNIST: fc_mnist, cnn_mnist, cnn_k5, cnn_k7, cnn_1x1_3x3, resnet_mnist, resnet_shallow, resnet_deep, custom_cnn
# on CIFAR-10 (3x32x32 inputs): fc_cifar, cnn_cifar, resnet_cifar''',
    "train": '''\
# TODO: train each model on its dataset, then results = pd.DataFrame with the columns
# model, dataset ("mnist" or "cifar10"), accuracy, params, train_seconds (one row per model)''',
    "conclusions": "## Conclusions\n\nTODO: compare accuracy, parameter count and training time.",
}

RS_KNOWN_WRONG = {
    # the "residual" block forgets to add its input back: a plain two-convolution stack
    "no_skip_addition": (["basic-block", "resnet-depth", "deep-vs-shallow", "resnet-cifar"], {
        "blocks": edit(RS_BLOCKS, "return F.relu(out + x)\n", "return F.relu(out)\n"),
    }),
    # backward forgets the gradient with respect to the input
    "wrong_backward": (["custom-conv-gradcheck"], {
        "custom": edit(RS_CUSTOM, "return grad_x, grad_weight", "return torch.zeros_like(x), grad_weight",
                       "torch.autograd.gradcheck(", "# torch.autograd.gradcheck(",
                       "\n                                                torch.randn(3",
                       "\n#                                                torch.randn(3"),
    }),
    # three 3x3 convolutions are no bottleneck
    "bottleneck_all_3x3": (["bottleneck-block"], {
        "blocks": edit(RS_BLOCKS, "self.reduce = nn.Conv2d(channels, mid, 1, bias=False)",
                       "self.reduce = nn.Conv2d(channels, mid, 3, padding=1, bias=False)",
                       "self.expand = nn.Conv2d(mid, channels, 1, bias=False)",
                       "self.expand = nn.Conv2d(mid, channels, 3, padding=1, bias=False)"),
    }),
    # the CIFAR-10 "residual" network is a plain CNN: nothing is added back to its input
    "resnet_cifar_plain": (["resnet-cifar"], {
        "models": edit(RS_MODELS, "resnet_cifar = ResNet(blocks=2, in_channels=3)",
                       "resnet_cifar = PlainCNN(kernel_size=3, in_channels=3)"),
    }),
}

RS_EXAMPLES = {
    "anna_good": None,
    "boris_no_skip": RS_KNOWN_WRONG["no_skip_addition"][1],
    "clara_wrong_backward": RS_KNOWN_WRONG["wrong_backward"][1],
}


def make() -> None:
    make_lab("resnet-study", RS_REFERENCE, RS_STARTER, RS_KNOWN_WRONG, RS_EXAMPLES)
