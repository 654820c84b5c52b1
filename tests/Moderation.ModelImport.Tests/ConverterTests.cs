using System.Text.Json.Nodes;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Moderation.ModelImport.Conversion;
using Moderation.ModelImport.Tests.Infrastructure;
using Moderation.ModelImport.Tfjs;
using Xunit;

namespace Moderation.ModelImport.Tests;

public sealed class ConverterTests : IDisposable
{
    private static readonly ConversionOptions Options = new("input", "probabilities", "embedding", "features", "class_activation", null, "test", "1", "",
        new Dictionary<string, string>());

    private readonly string directory = Directory.CreateTempSubdirectory("converter-tests-").FullName;

    [Fact]
    public void Unsupported_layer_is_refused_naming_the_layer_and_its_type()
    {
        var path = new TinyKerasModel()
            .Input("input_1", 4, 4, 3)
            .Layer("recurrent", "ConvLSTM2D", new JsonObject { ["filters"] = 2 }, "input_1")
            .Write(Path.Combine(directory, "lstm"));

        var exception = Assert.Throws<UnsupportedLayerException>(() => KerasOnnxConverter.Convert(TfjsLayersModel.Load(path), Options));

        Assert.Equal("recurrent", exception.LayerName);
        Assert.Equal("ConvLSTM2D", exception.ClassName);
        Assert.Contains("'recurrent' is a ConvLSTM2D", exception.Message, StringComparison.Ordinal);
        Assert.Contains("DepthwiseConv2D", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unsupported_activation_is_refused_naming_the_layer()
    {
        var path = new TinyKerasModel()
            .Input("input_1", 4, 4, 3)
            .Layer("odd", "Activation", new JsonObject { ["activation"] = "gelu_approximate" }, "input_1")
            .Write(Path.Combine(directory, "activation"));

        var exception = Assert.Throws<UnsupportedLayerException>(() => KerasOnnxConverter.Convert(TfjsLayersModel.Load(path), Options));

        Assert.Equal("odd", exception.LayerName);
        Assert.Contains("gelu_approximate", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Weight_of_the_wrong_shape_is_refused()
    {
        var path = new TinyKerasModel()
            .Input("input_1", 2, 2, 1)
            .Layer("flat", "Flatten", [], "input_1")
            .Layer("dense", "Dense", new JsonObject { ["units"] = 3, ["activation"] = "softmax", ["use_bias"] = false }, "flat")
            .Weight("dense/kernel", [3, 3])
            .Write(Path.Combine(directory, "shape"));

        var exception = Assert.Throws<ModelImportException>(() => KerasOnnxConverter.Convert(TfjsLayersModel.Load(path), Options));

        Assert.Contains("dense/kernel", exception.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Every supported layer type with the settings that change the translation (asymmetric and "same" padding,
    /// strides, depth multiplier, BN, ReLU6, Add, Concatenate, both poolings, Flatten over a 2×2 map, Dropout, softmax),
    /// random weights, compared with tf.loadLayersModel + predict.
    /// </summary>
    [Fact]
    public async Task Tiny_models_using_every_supported_layer_match_tfjs()
    {
        var convolutional = new TinyKerasModel()
            .Input("input_1", 9, 9, 3)
            .Layer("pad", "ZeroPadding2D", new JsonObject { ["padding"] = Json("[[1,0],[0,1]]"), ["data_format"] = "channels_last" }, "input_1")
            .Layer("conv_a", "Conv2D", Conv(4, 3, 2, "valid", "relu", true), "pad").Weight("conv_a/kernel", [3, 3, 3, 4]).Weight("conv_a/bias", [4])
            .Layer("bn", "BatchNormalization", new JsonObject { ["axis"] = -1, ["epsilon"] = 0.001, ["center"] = true, ["scale"] = true }, "conv_a")
            .Weight("bn/gamma", [4], 0.5f, 1.5f).Weight("bn/beta", [4]).Weight("bn/moving_mean", [4]).Weight("bn/moving_variance", [4], 0.5f, 1.5f)
            .Layer("relu6", "ReLU", new JsonObject { ["max_value"] = 6, ["negative_slope"] = 0, ["threshold"] = 0 }, "bn")
            .Layer("dw", "DepthwiseConv2D", new JsonObject
            {
                ["kernel_size"] = Json("[3,3]"), ["strides"] = Json("[1,1]"), ["padding"] = "same", ["depth_multiplier"] = 2,
                ["use_bias"] = true, ["activation"] = "linear", ["data_format"] = "channels_last", ["dilation_rate"] = Json("[1,1]"),
            }, "relu6").Weight("dw/depthwise_kernel", [3, 3, 4, 2]).Weight("dw/bias", [8])
            .Layer("conv_b", "Conv2D", Conv(8, 1, 1, "same", "linear", false), "relu6").Weight("conv_b/kernel", [1, 1, 4, 8])
            .Layer("add", "Add", [], "dw", "conv_b")
            .Layer("maxp", "MaxPooling2D", Pool(3, 2, "same"), "add")
            .Layer("avgp", "AveragePooling2D", Pool(3, 2, "same"), "add")
            .Layer("concat", "Concatenate", new JsonObject { ["axis"] = -1 }, "maxp", "avgp")
            .Layer("act", "Activation", new JsonObject { ["activation"] = "tanh" }, "concat")
            .Layer("flat", "Flatten", new JsonObject { ["data_format"] = "channels_last" }, "act")
            .Layer("dense_1", "Dense", new JsonObject { ["units"] = 6, ["activation"] = "relu", ["use_bias"] = true }, "flat")
            .Weight("dense_1/kernel", [64, 6]).Weight("dense_1/bias", [6])
            .Layer("drop", "Dropout", new JsonObject { ["rate"] = 0.5 }, "dense_1")
            .Layer("dense_2", "Dense", new JsonObject { ["units"] = 3, ["activation"] = "softmax", ["use_bias"] = true }, "drop")
            .Weight("dense_2/kernel", [6, 3], -2, 2).Weight("dense_2/bias", [3]);

        var pooled = new TinyKerasModel()
            .Input("input_1", 7, 7, 2)
            .Layer("conv_s", "Conv2D", Conv(3, 2, 2, "same", "elu", true), "input_1").Weight("conv_s/kernel", [2, 2, 2, 3]).Weight("conv_s/bias", [3])
            .Layer("gap", "GlobalAveragePooling2D", new JsonObject { ["data_format"] = "channels_last" }, "conv_s")
            .Layer("dense", "Dense", new JsonObject { ["units"] = 4, ["activation"] = "linear", ["use_bias"] = true }, "gap")
            .Weight("dense/kernel", [3, 4], -2, 2).Weight("dense/bias", [4])
            .Layer("softmax", "Softmax", new JsonObject { ["axis"] = -1 }, "dense");

        foreach (var (name, model, inputShape) in new[] { ("convolutional", convolutional, new[] { 9, 9, 3 }), ("pooled", pooled, new[] { 7, 7, 2 }) })
        {
            var path = model.Write(Path.Combine(directory, name));
            var converted = KerasOnnxConverter.Convert(TfjsLayersModel.Load(path), Options);
            const int count = 4;
            var inputs = new float[count * inputShape.Aggregate(1, (a, b) => a * b)];
            var random = new Random(99);
            for (var i = 0; i < inputs.Length; i++)
            {
                inputs[i] = random.NextSingle() * 4 - 2;
            }

            var tensors = Path.Combine(directory, $"{name}.f32");
            var expectedPath = Path.Combine(directory, $"{name}-expected.f32");
            NodeReference.WriteFloats(tensors, inputs);
            await NodeReference.RunAsync(["predict-layers", "--dir", path, "--tensors", tensors, "--out", expectedPath], TimeSpan.FromMinutes(2));
            var expected = NodeReference.ReadFloats(expectedPath);

            using var session = new InferenceSession(converted.Model.ToByteArray());
            using var input = OrtValue.CreateTensorValueFromMemory(inputs, [count, .. inputShape.Select(d => (long)d)]);
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, ["input"], [input], ["probabilities"]);
            var actual = results[0].GetTensorDataAsSpan<float>().ToArray();

            Assert.Equal(expected.Length, actual.Length);
            var difference = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
            Assert.True(difference < 1e-5, $"{name}: ONNX Runtime differs from tfjs by {difference:E2}.");
        }
    }

    [Fact]
    public void Class_activation_maps_are_the_features_weighted_by_the_closed_form_gradient_of_each_logit_through_the_dense_head()
    {
        // features (3×3×4, ReLU) → average over the whole map → Dense(5, ReLU) → Dropout → Dense(3, softmax), like nsfwjs's head.
        var path = new TinyKerasModel()
            .Input("input_1", 3, 3, 2)
            .Layer("conv", "Conv2D", Conv(4, 1, 1, "valid", "relu", bias: true), "input_1")
            .Weight("conv/kernel", [1, 1, 2, 4], -1, 1).Weight("conv/bias", [4], 0, 0.5f)
            .Layer("pool", "AveragePooling2D", new JsonObject { ["pool_size"] = new JsonArray { 3, 3 }, ["strides"] = new JsonArray { 3, 3 }, ["padding"] = "valid" }, "conv")
            .Layer("flat", "Flatten", [], "pool")
            .Layer("hidden", "Dense", new JsonObject { ["units"] = 5, ["activation"] = "relu" }, "flat")
            .Weight("hidden/kernel", [4, 5], -1, 1).Weight("hidden/bias", [5], -0.3f, 0.3f)
            .Layer("drop", "Dropout", new JsonObject { ["rate"] = 0.5 }, "hidden")
            .Layer("out", "Dense", new JsonObject { ["units"] = 3, ["activation"] = "softmax" }, "drop")
            .Weight("out/kernel", [5, 3], -1, 1).Weight("out/bias", [3])
            .Write(Path.Combine(directory, "cam"));
        var keras = TfjsLayersModel.Load(path);
        var converted = KerasOnnxConverter.Convert(keras, Options);
        Assert.Equal((3, 3), converted.ActivationGrid);

        const int Count = 6;
        var inputs = new float[Count * 3 * 3 * 2];
        var random = new Random(7);
        for (var i = 0; i < inputs.Length; i++)
        {
            inputs[i] = (random.NextSingle() * 4) - 2;
        }

        using var session = new InferenceSession(converted.Model.ToByteArray());
        using var input = OrtValue.CreateTensorValueFromMemory(inputs, [Count, 3, 3, 2]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, ["input"], [input], ["features", "class_activation"]);
        var features = results[0].GetTensorDataAsSpan<float>().ToArray();
        var maps = results[1].GetTensorDataAsSpan<float>().ToArray();
        Assert.Equal(Count * 9 * 4, features.Length);
        Assert.Equal(Count * 9 * 3, maps.Length);

        var (w1, b1, w2) = (keras.Weights["hidden/kernel"].Values, keras.Weights["hidden/bias"].Values, keras.Weights["out/kernel"].Values);
        var activeUnits = 0;
        for (var n = 0; n < Count; n++)
        {
            var a = features[(n * 36)..((n + 1) * 36)];
            var pooled = Enumerable.Range(0, 4).Select(k => Enumerable.Range(0, 9).Average(cell => (double)a[(cell * 4) + k])).ToArray();
            var active = Enumerable.Range(0, 5).Select(j => b1[j] + Enumerable.Range(0, 4).Sum(k => pooled[k] * w1[(k * 5) + j]) > 0).ToArray();
            activeUnits += active.Count(x => x);
            for (var cell = 0; cell < 9; cell++)
            {
                for (var c = 0; c < 3; c++)
                {
                    // d logit_c / d pooled_k = Σ_j W1[k, j] · [h_j > 0] · W2[j, c], applied to the cell's features.
                    var expected = Enumerable.Range(0, 4).Sum(k => a[(cell * 4) + k]
                        * Enumerable.Range(0, 5).Where(j => active[j]).Sum(j => (double)w1[(k * 5) + j] * w2[(j * 3) + c]));
                    Assert.Equal(expected, maps[(n * 27) + (cell * 3) + c], 4);
                }
            }
        }

        // The masks matter: some hidden units are off for some inputs, or the test would not tell the gradient from W1·W2.
        Assert.InRange(activeUnits, 1, (Count * 5) - 1);
    }

    [Fact]
    public void A_head_the_closed_form_does_not_cover_gets_no_class_activation_output()
    {
        var path = new TinyKerasModel()
            .Input("input_1", 3, 3, 2)
            .Layer("pool", "GlobalAveragePooling2D", [], "input_1")
            .Layer("hidden", "Dense", new JsonObject { ["units"] = 4, ["activation"] = "tanh" }, "pool")
            .Weight("hidden/kernel", [2, 4]).Weight("hidden/bias", [4])
            .Layer("out", "Dense", new JsonObject { ["units"] = 3, ["activation"] = "softmax" }, "hidden")
            .Weight("out/kernel", [4, 3]).Weight("out/bias", [3])
            .Write(Path.Combine(directory, "tanh"));

        var converted = KerasOnnxConverter.Convert(TfjsLayersModel.Load(path), Options);

        Assert.Null(converted.ActivationGrid);
        Assert.Equal(["probabilities", "embedding"], converted.Model.Graph.Output.Select(o => o.Name));
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static JsonNode Json(string json) => JsonNode.Parse(json)!;

    private static JsonObject Conv(int filters, int kernel, int stride, string padding, string activation, bool bias) => new()
    {
        ["filters"] = filters,
        ["kernel_size"] = new JsonArray { kernel, kernel },
        ["strides"] = new JsonArray { stride, stride },
        ["padding"] = padding,
        ["activation"] = activation,
        ["use_bias"] = bias,
        ["data_format"] = "channels_last",
        ["dilation_rate"] = new JsonArray { 1, 1 },
    };

    private static JsonObject Pool(int size, int stride, string padding) => new()
    {
        ["pool_size"] = new JsonArray { size, size },
        ["strides"] = new JsonArray { stride, stride },
        ["padding"] = padding,
        ["data_format"] = "channels_last",
    };
}
