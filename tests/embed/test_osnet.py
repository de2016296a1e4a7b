import onnx

from crosscam.assets import resolve_file
from crosscam.embed.osnet import ASSET, DIM, IMAGENET_MEAN, IMAGENET_STD, INPUT_SIZE, OnnxEmbedder


def test_a_fixed_batch_of_one_is_made_symbolic_so_batches_run(assets_dir, crops):
    model = onnx.load(str(resolve_file(ASSET, assets_dir)))
    for value in [*model.graph.input, *model.graph.output]:
        value.type.tensor_type.shape.dim[0].dim_value = 1  # as some exports ship it
    embedder = OnnxEmbedder("osnet-fixed", model, DIM, INPUT_SIZE, IMAGENET_MEAN, IMAGENET_STD)
    assert embedder.session.get_inputs()[0].shape[0] == "batch"
    assert embedder.embed(crops[:3]).shape == (3, DIM)
