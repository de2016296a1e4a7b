def test_compiled_in_f32_at_the_fixed_batch(embedder_for):
    embedder = embedder_for("openvino-0288")
    compiled = embedder.request.get_compiled_model()
    assert str(compiled.get_property("INFERENCE_PRECISION_HINT")) in ("f32", "<Type: 'float32'>")
    assert list(compiled.inputs[0].get_shape()) == [embedder.batch_size, 3, 256, 128]
