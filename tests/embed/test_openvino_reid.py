def test_compiled_in_f32_at_the_fixed_batch_and_at_one(embedder_for):
    embedder = embedder_for("openvino-0288")
    assert set(embedder.requests) == {embedder.batch_size, 1} and embedder.batch_size > 1
    for batch, request in embedder.requests.items():
        compiled = request.get_compiled_model()
        assert str(compiled.get_property("INFERENCE_PRECISION_HINT")) in ("f32", "<Type: 'float32'>")
        assert list(compiled.inputs[0].get_shape()) == [batch, 3, 256, 128]
