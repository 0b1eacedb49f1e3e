"""Host-side model architecture: the sandbox's model description parsed and queried, known
backbones, and the feedback table. Pure: no frameworks, no I/O."""
