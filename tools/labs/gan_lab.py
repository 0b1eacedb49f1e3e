"""gan-lab (PyTorch, course document 000, lab 3): three GAN architectures (a fully connected GAN,
a DCGAN with transposed convolutions, a GAN whose generator upsamples and convolves), trained on
MNIST; samples of the data's shape and range, judged by a classifier the grader trains itself;
discriminators that give one score per image; loss curves recorded."""

from __future__ import annotations

from labkit import edit, make_lab

GAN_INTRO = """\
# Generative adversarial networks (PyTorch)

Build three GAN architectures of your own and train them on MNIST:

- `mlp`: a fully connected generator and discriminator;
- `dcgan`: a generator of transposed convolutions with batch normalisation, a convolutional discriminator;
- `upsample`: a generator that upsamples and convolves (no transposed convolutions).

Record both losses at every training step, and write `sample(n, arch)`, which draws `n` images
from a trained generator. The grader judges your samples with a digit classifier of its own:
they must be recognisable digits of many different classes. The exact contract is in README.md."""

GAN_PARAMS = """\
STEPS = 1500       # training steps per GAN; the grader sets STEPS = 300
BATCH_SIZE = 64
LATENT = 32        # size of the generators' noise vector"""

GAN_IMPORTS = """\
import os

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
torch.set_num_threads(1)  # models this small train faster on one thread than on two that wait for each other"""

GAN_DATA = """\
path = os.path.expanduser("~/.keras/datasets/mnist.npz")
with np.load(path) as data:
    x_train = data["x_train"]

# (n, 1, 28, 28) in [-1, 1], the range of the generators' tanh output
X = torch.as_tensor(x_train, dtype=torch.float32).unsqueeze(1) / 127.5 - 1.0
print(X.shape, float(X.min()), float(X.max()))"""

GAN_MODELS = """\
class MLPGenerator(nn.Module):
    def __init__(self, latent=LATENT, hidden=128):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                 nn.Linear(hidden, 784), nn.Tanh())

    def forward(self, z):
        return self.net(z).view(-1, 1, 28, 28)


class MLPDiscriminator(nn.Module):
    def __init__(self, hidden=128):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, 1))

    def forward(self, x):
        return self.net(x)


class DCGenerator(nn.Module):
    \"\"\"Noise -> 7x7 feature maps -> two transposed convolutions up to 28x28.\"\"\"

    def __init__(self, latent=LATENT, channels=16):
        super().__init__()
        self.channels = channels
        self.project = nn.Sequential(nn.Linear(latent, 2 * channels * 7 * 7), nn.BatchNorm1d(2 * channels * 7 * 7), nn.ReLU())
        self.deconv = nn.Sequential(
            nn.ConvTranspose2d(2 * channels, channels, 4, stride=2, padding=1), nn.BatchNorm2d(channels), nn.ReLU(),
            nn.ConvTranspose2d(channels, 1, 4, stride=2, padding=1), nn.Tanh())

    def forward(self, z):
        return self.deconv(self.project(z).view(-1, 2 * self.channels, 7, 7))


class DCDiscriminator(nn.Module):
    def __init__(self, channels=16):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, channels, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
            nn.Conv2d(channels, 2 * channels, 4, stride=2, padding=1), nn.BatchNorm2d(2 * channels), nn.LeakyReLU(0.2),
            nn.Flatten(), nn.Linear(2 * channels * 7 * 7, 1))

    def forward(self, x):
        return self.net(x)


class UpsampleGenerator(nn.Module):
    \"\"\"Noise -> 7x7 feature maps -> (upsample, 3x3 convolution) twice; LeakyReLU throughout.\"\"\"

    def __init__(self, latent=LATENT, channels=16):
        super().__init__()
        self.channels = channels
        self.project = nn.Sequential(nn.Linear(latent, channels * 7 * 7), nn.LeakyReLU(0.2))
        self.body = nn.Sequential(
            nn.Upsample(scale_factor=2), nn.Conv2d(channels, channels // 2, 3, padding=1), nn.BatchNorm2d(channels // 2),
            nn.LeakyReLU(0.2),
            nn.Upsample(scale_factor=2), nn.Conv2d(channels // 2, 1, 3, padding=1), nn.Tanh())

    def forward(self, z):
        return self.body(self.project(z).view(-1, self.channels, 7, 7))


class UpsampleDiscriminator(nn.Module):
    \"\"\"5x5 strided convolutions with dropout instead of batch normalisation.\"\"\"

    def __init__(self, channels=16):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, channels // 2, 5, stride=2, padding=2), nn.LeakyReLU(0.2), nn.Dropout(0.3),
            nn.Conv2d(channels // 2, channels, 5, stride=2, padding=2), nn.LeakyReLU(0.2), nn.Dropout(0.3),
            nn.Flatten(), nn.Linear(channels * 7 * 7, 1))

    def forward(self, x):
        return self.net(x)


gen_mlp, disc_mlp = MLPGenerator(), MLPDiscriminator()
gen_dcgan, disc_dcgan = DCGenerator(), DCDiscriminator()
gen_upsample, disc_upsample = UpsampleGenerator(), UpsampleDiscriminator()"""

GAN_TRAIN = """\
def train_gan(generator, discriminator, steps=STEPS, lr=2e-3):
    \"\"\"Alternate discriminator and generator steps; returns the losses, one row [G, D] per step.\"\"\"
    opt_g = torch.optim.Adam(generator.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=lr, betas=(0.5, 0.999))
    real_target, fake_target = torch.ones(BATCH_SIZE, 1), torch.zeros(BATCH_SIZE, 1)
    generator.train()
    discriminator.train()
    losses = []
    for _ in range(steps):
        real = X[torch.randint(len(X), (BATCH_SIZE,))]
        fake = generator(torch.randn(BATCH_SIZE, LATENT))
        d_loss = (F.binary_cross_entropy_with_logits(discriminator(real), real_target)
                  + F.binary_cross_entropy_with_logits(discriminator(fake.detach()), fake_target))
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        g_loss = F.binary_cross_entropy_with_logits(discriminator(fake), real_target)
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()
        losses.append([g_loss.item(), d_loss.item()])
    return np.array(losses)


losses_mlp = train_gan(gen_mlp, disc_mlp, lr=1e-3)
losses_dcgan = train_gan(gen_dcgan, disc_dcgan)
losses_upsample = train_gan(gen_upsample, disc_upsample)
for name, losses in [("mlp", losses_mlp), ("dcgan", losses_dcgan), ("upsample", losses_upsample)]:
    print(f"{name}: last 50 steps G loss {losses[-50:, 0].mean():.3f}, D loss {losses[-50:, 1].mean():.3f}")"""

GAN_SAMPLE = """\
GENERATORS = {"mlp": gen_mlp, "dcgan": gen_dcgan, "upsample": gen_upsample}


def sample(n, arch="dcgan"):
    \"\"\"n images (n, 1, 28, 28) in [-1, 1] from the trained generator `arch`.\"\"\"
    generator = GENERATORS[arch]
    generator.eval()
    with torch.no_grad():
        return generator(torch.randn(n, LATENT))


for arch in GENERATORS:
    images = sample(16, arch)
    print(arch, tuple(images.shape), f"[{float(images.min()):.2f}, {float(images.max()):.2f}]")"""

GAN_CONCLUSIONS = """\
## Conclusions

- The DCGAN learns digit shapes fastest: transposed convolutions share weights across the image.
- The fully connected GAN needs many more steps before its samples look like digits.
- Upsampling followed by a convolution avoids the checkerboard artefacts of transposed convolutions.
- Both losses oscillate instead of falling steadily: the two networks compete."""

GAN_REFERENCE = [
    ("intro", "md", GAN_INTRO), ("parameters", "params", GAN_PARAMS), ("imports", "code", GAN_IMPORTS),
    ("data-md", "md", "## Data"), ("data", "code", GAN_DATA),
    ("models-md", "md", "## Three architectures"), ("models", "code", GAN_MODELS),
    ("train-md", "md", "## Training, with both losses recorded"), ("train", "code", GAN_TRAIN),
    ("sample-md", "md", "## Sampling"), ("sample", "code", GAN_SAMPLE),
    ("conclusions", "md", GAN_CONCLUSIONS),
]

GAN_STARTER = {
    "models": '''\
# TODO: three GAN architectures, each a generator (noise (n, LATENT) -> images (n, 1, 28, 28) in [-1, 1])
# and a discriminator (images -> one score per image, shape (n, 1)):
#   gen_mlp, disc_mlp            fully connected
#   gen_dcgan, disc_dcgan        transposed convolutions with batch normalisation; a convolutional discriminator
#   gen_upsample, disc_upsample  upsampling + convolutions, no transposed convolutions''',
    "train": '''\
# TODO: train each GAN; record the generator's and the discriminator's loss at every step in
# losses_mlp, losses_dcgan, losses_upsample: numpy arrays of shape (steps, 2), columns [G, D]''',
    "sample": '''\
def sample(n, arch="dcgan"):
    """n images (n, 1, 28, 28) in [-1, 1] from the trained generator `arch` ("mlp", "dcgan", "upsample")."""
    raise NotImplementedError("TODO")''',
    "conclusions": "## Conclusions\n\nTODO: compare the three architectures, their samples and their loss curves.",
}

GAN_KNOWN_WRONG = {
    # the discriminators end in two class scores (real, fake) trained with cross-entropy
    "two_score_discriminators": (["discriminator-scores"], {
        "models": edit(GAN_MODELS, "nn.Linear(hidden, 1))", "nn.Linear(hidden, 2))",
                       "nn.Linear(2 * channels * 7 * 7, 1))", "nn.Linear(2 * channels * 7 * 7, 2))",
                       "nn.Linear(channels * 7 * 7, 1))", "nn.Linear(channels * 7 * 7, 2))"),
        "train": edit(GAN_TRAIN,
                      "real_target, fake_target = torch.ones(BATCH_SIZE, 1), torch.zeros(BATCH_SIZE, 1)",
                      "real_target, fake_target = torch.ones(BATCH_SIZE, dtype=torch.long), torch.zeros(BATCH_SIZE, dtype=torch.long)",
                      "binary_cross_entropy_with_logits", "cross_entropy"),
    }),
    # sample() hands out pixel values [0, 255] instead of the data's range [-1, 1]
    "pixel_range_samples": (["samples-mlp", "samples-dcgan", "samples-upsample", "quality-dcgan",
                             "quality-upsample"], {
        "sample": edit(GAN_SAMPLE, "return generator(torch.randn(n, LATENT))",
                       "return (generator(torch.randn(n, LATENT)) + 1) * 127.5"),
    }),
    # the generator's optimizer never steps: the generator stays as initialised
    "untrained_generator": (["quality-dcgan", "quality-upsample"], {
        "train": edit(GAN_TRAIN, "        opt_g.step()\n", ""),
    }),
    # one noise vector for every sample: the same digit over and over
    "one_noise_vector": (["quality-dcgan", "quality-upsample"], {
        "sample": edit(GAN_SAMPLE, "return generator(torch.randn(n, LATENT))",
                       "return generator(torch.randn(1, LATENT).repeat(n, 1))"),
    }),
    # the losses are printed but never kept
    "no_loss_history": (["loss-curves-mlp", "loss-curves-dcgan", "loss-curves-upsample"], {
        "train": edit(GAN_TRAIN, "        losses.append([g_loss.item(), d_loss.item()])\n    return np.array(losses)",
                      '    print(f"last step: G loss {g_loss.item():.3f}, D loss {d_loss.item():.3f}")',
                      "losses_mlp = train_gan", "train_gan", "losses_dcgan = train_gan", "train_gan",
                      "losses_upsample = train_gan", "train_gan",
                      '''for name, losses in [("mlp", losses_mlp), ("dcgan", losses_dcgan), ("upsample", losses_upsample)]:
    print(f"{name}: last 50 steps G loss {losses[-50:, 0].mean():.3f}, D loss {losses[-50:, 1].mean():.3f}")''', ""),
    }),
}

GAN_EXAMPLES = {
    "anna_good": None,
    "boris_untrained_generator": GAN_KNOWN_WRONG["untrained_generator"][1],
    "clara_two_scores": GAN_KNOWN_WRONG["two_score_discriminators"][1],
}


def make() -> None:
    make_lab("gan-lab", GAN_REFERENCE, GAN_STARTER, GAN_KNOWN_WRONG, GAN_EXAMPLES)
