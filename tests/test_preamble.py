"""The preamble seeds only the frameworks a notebook imports."""

from grader.harness.preamble import imports, preamble_source


def test_mentioning_keras_is_not_importing_it():
    text = "data = np.load(os.path.expanduser('~/.keras/datasets/mnist.npz'))  # like keras does\nimport torch"
    assert not imports(text, "tensorflow", "keras")
    assert imports(text, "torch")
    source = preamble_source(seed=1, threads=2, notebook_text=text, dataset_manifest={}, downloads={},
                             dataset_root="/x")
    assert "manual_seed(1)" in source and "keras" not in source


def test_from_imports_count():
    assert imports("from tensorflow import keras", "tensorflow", "keras")
    assert imports("    import keras.layers as L", "keras")
    assert not imports("import kerasish", "keras")
