"""unet-seg (PyTorch, course 003 lesson 6): a small U-Net segments shapes on textured
backgrounds, read from image and mask PNG folders; Dice and IoU on masks the student never sees."""

from __future__ import annotations

from labkit import edit, make_lab

US_INTRO = """\
# Lesson 6: segmentation with a U-Net (PyTorch)

- read the `shapes` segmentation set (image and mask PNG folders) with PIL;
- build a U-Net: an encoder that halves the resolution twice, a decoder that doubles it back, and
  skip connections that **concatenate** the encoder's features into the decoder;
- train it, and report its Dice and IoU on the test split;
- `predict(images)`: a binary mask (0/1) for each image.

The exact contract is in README.md."""

US_PARAMS = """\
EPOCHS = 20       # training epochs; the grader sets EPOCHS = 6 when it grades
BATCH_SIZE = 16"""

US_IMPORTS = """\
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

torch.manual_seed(0)"""

US_DATA = """\
DATA = Path("data/shapes")


def load_split(split):
    \"\"\"RGB images (n, 64, 64, 3) uint8 and their masks (n, 64, 64) of 0/1 from a split's PNG folders.\"\"\"
    names = sorted(path.name for path in (DATA / split / "images").glob("*.png"))
    images = np.stack([np.asarray(Image.open(DATA / split / "images" / name).convert("RGB")) for name in names])
    masks = np.stack([np.asarray(Image.open(DATA / split / "masks" / name)) for name in names])
    return images, (masks > 127).astype(np.uint8)


def to_tensor(images):
    \"\"\"uint8 images (n, 64, 64, 3) -> float32 tensor (n, 3, 64, 64) in [0, 1].\"\"\"
    return torch.as_tensor(np.asarray(images), dtype=torch.float32).permute(0, 3, 1, 2) / 255.0


x_train, y_train = load_split("train")
x_test, y_test = load_split("test")
X_train, Y_train = to_tensor(x_train), torch.as_tensor(y_train, dtype=torch.float32).unsqueeze(1)
print(x_train.shape, y_train.shape, x_test.shape, f"shape pixels: {y_train.mean():.2f}")"""

US_MODEL = """\
def conv_block(c_in, c_out):
    \"\"\"Two 3x3 convolutions, each followed by BatchNorm and ReLU; the resolution stays.\"\"\"
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(),
        nn.Conv2d(c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(),
    )


class UNet(nn.Module):
    \"\"\"Encoder 64 -> 32 -> 16 pixels, decoder back to 64; each decoder level concatenates the
    encoder's features of its resolution. Returns one logit per pixel, (n, 1, 64, 64).\"\"\"

    def __init__(self, channels=8):
        super().__init__()
        c = channels
        self.enc1, self.enc2, self.bottom = conv_block(3, c), conv_block(c, 2 * c), conv_block(2 * c, 4 * c)
        self.pool = nn.MaxPool2d(2)
        self.up2 = nn.ConvTranspose2d(4 * c, 2 * c, 2, stride=2)
        self.dec2 = conv_block(4 * c, 2 * c)
        self.up1 = nn.ConvTranspose2d(2 * c, c, 2, stride=2)
        self.dec1 = conv_block(2 * c, c)
        self.head = nn.Conv2d(c, 1, 1)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(self.pool(e1))
        bottom = self.bottom(self.pool(e2))
        d2 = self.dec2(torch.cat([self.up2(bottom), e2], dim=1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], dim=1))
        return self.head(d1)


model = UNet()
print(f"{sum(p.numel() for p in model.parameters()):,} parameters")"""

US_TRAIN = """\
def dice_loss(logits, target):
    \"\"\"1 - soft Dice over the batch: it rewards overlap directly, whatever the shapes' share of pixels.\"\"\"
    probabilities = torch.sigmoid(logits)
    overlap = (probabilities * target).sum()
    return 1 - (2 * overlap + 1) / (probabilities.sum() + target.sum() + 1)


optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
# the learning rate falls to zero by the last step: BatchNorm's running statistics, which eval()
# uses, then describe the final weights rather than ones that were still moving fast
steps_per_epoch = (len(X_train) + BATCH_SIZE - 1) // BATCH_SIZE
schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=5e-3, total_steps=EPOCHS * steps_per_epoch)
for epoch in range(EPOCHS):
    model.train()
    order = torch.randperm(len(X_train))
    total = 0.0
    for begin in range(0, len(X_train), BATCH_SIZE):
        batch = order[begin:begin + BATCH_SIZE]
        logits = model(X_train[batch])
        loss = F.binary_cross_entropy_with_logits(logits, Y_train[batch]) + dice_loss(logits, Y_train[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        total += loss.item() * len(batch)
    print(f"epoch {epoch + 1}: loss {total / len(X_train):.4f}")"""

US_PREDICT = """\
def predict(images):
    \"\"\"uint8 images (n, 64, 64, 3) -> binary masks (n, 64, 64) of 0/1 (uint8): shape or background.\"\"\"
    model.eval()
    with torch.no_grad():
        logits = torch.cat([model(to_tensor(images[begin:begin + 50])) for begin in range(0, len(images), 50)])
    return (logits[:, 0] > 0).numpy().astype(np.uint8)"""

US_EVALUATE = """\
def dice_and_iou(truth, masks):
    \"\"\"Mean per-image Dice and IoU of binary masks (an image where both are empty scores 1).\"\"\"
    truth, masks = truth.reshape(len(truth), -1).astype(bool), masks.reshape(len(masks), -1).astype(bool)
    both, either = (truth & masks).sum(1), (truth | masks).sum(1)
    total = truth.sum(1) + masks.sum(1)
    dice = np.where(either == 0, 1.0, 2 * both / np.maximum(total, 1))
    iou = np.where(either == 0, 1.0, both / np.maximum(either, 1))
    return float(dice.mean()), float(iou.mean())


test_dice, test_iou = dice_and_iou(y_test, predict(x_test))
print(f"test Dice: {test_dice:.4f}, IoU: {test_iou:.4f}")"""

US_CONCLUSIONS = """\
## Conclusions

- The U-Net separates the shapes from the striped backgrounds (Dice about 0.9 on the test split
  after six epochs): colour alone cannot, since shapes and stripes share a palette; the network
  uses the context its encoder gathers, and the skips bring back the exact edges.
- What helped: BatchNorm after every convolution, Adam at 5e-3, and a learning rate that falls to
  zero by the end. With a constant 5e-3 the training loss was just as low, but in `eval()` mode
  the model marked almost every pixel as shape (Dice 0.25): BatchNorm's running statistics lagged
  behind the fast-moving weights.
- The loss adds a soft Dice term to the binary cross-entropy: it rewards overlap directly, whatever
  share of the pixels the shapes take."""

US_REFERENCE = [
    ("intro", "md", US_INTRO), ("parameters", "params", US_PARAMS), ("imports", "code", US_IMPORTS),
    ("data-md", "md", "## Data"), ("data", "code", US_DATA),
    ("model-md", "md", "## The U-Net"), ("model", "code", US_MODEL),
    ("train-md", "md", "## Training"), ("train", "code", US_TRAIN),
    ("eval-md", "md", "## Masks, Dice and IoU"), ("predict", "code", US_PREDICT), ("evaluate", "code", US_EVALUATE),
    ("conclusions", "md", US_CONCLUSIONS),
]

US_STARTER = {
    "model": '''\
class UNet(nn.Module):
    def __init__(self, channels=8):
        super().__init__()
        # TODO: an encoder (convolutions, then nn.MaxPool2d(2), twice), a bottom block, a decoder
        # (nn.ConvTranspose2d(..., 2, stride=2), twice), each decoder level concatenating
        # (torch.cat) the encoder's features of its resolution, and a 1x1 convolution to one channel.

    def forward(self, x):
        raise NotImplementedError("TODO: UNet.forward: (n, 3, 64, 64) -> logits (n, 1, 64, 64)")


model = UNet()''',
    "train": '''\
# TODO: train model for EPOCHS epochs on X_train, Y_train (e.g. Adam, binary cross-entropy on the logits)''',
    "predict": '''\
def predict(images):
    """uint8 images (n, 64, 64, 3) -> binary masks (n, 64, 64) of 0/1."""
    raise NotImplementedError("TODO: predict")''',
    "evaluate": '''\
# TODO: test_dice, test_iou on (x_test, y_test), then
# print(f"test Dice: {test_dice:.4f}, IoU: {test_iou:.4f}")''',
    "conclusions": "## Conclusions\n\nTODO: what Dice and IoU did you reach? What helped improve them?",
}

US_KNOWN_WRONG = {
    # the decoder adds the encoder's features instead of concatenating them
    "additive_skips": (["skip-concatenations"], {
        "model": edit(US_MODEL, "self.dec2 = conv_block(4 * c, 2 * c)", "self.dec2 = conv_block(2 * c, 2 * c)",
                      "self.dec1 = conv_block(2 * c, c)", "self.dec1 = conv_block(c, c)",
                      "torch.cat([self.up2(bottom), e2], dim=1)", "self.up2(bottom) + e2",
                      "torch.cat([self.up1(d2), e1], dim=1)", "self.up1(d2) + e1"),
    }),
    # an encoder-decoder without skip connections
    "no_skip_connections": (["skip-concatenations"], {
        "model": edit(US_MODEL, "self.dec2 = conv_block(4 * c, 2 * c)", "self.dec2 = conv_block(2 * c, 2 * c)",
                      "self.dec1 = conv_block(2 * c, c)", "self.dec1 = conv_block(c, c)",
                      "torch.cat([self.up2(bottom), e2], dim=1)", "self.up2(bottom)",
                      "torch.cat([self.up1(d2), e1], dim=1)", "self.up1(d2)"),
    }),
    # predict returns the sigmoid's probabilities, not thresholded masks
    "probabilities_not_masks": (["dice-public", "iou-public", "dice-hidden", "iou-hidden"], {
        "predict": edit(US_PREDICT, "return (logits[:, 0] > 0).numpy().astype(np.uint8)",
                        "return torch.sigmoid(logits[:, 0]).numpy()"),
        "evaluate": edit(US_EVALUATE, "predict(x_test)", "predict(x_test) > 0.5"),
    }),
    # a learning rate far too small: the network has barely moved when training ends
    "under_trained": (["dice-public", "iou-public", "dice-hidden", "iou-hidden"], {
        "train": edit(US_TRAIN, "lr=5e-3", "lr=1e-5"),
    }),
}

US_EXAMPLES = {
    "anna_good": None,
    "boris_probabilities": US_KNOWN_WRONG["probabilities_not_masks"][1],
    "clara_no_skips": US_KNOWN_WRONG["no_skip_connections"][1],
}


def make() -> None:
    make_lab("unet-seg", US_REFERENCE, US_STARTER, US_KNOWN_WRONG, US_EXAMPLES)
