using System.Text.Json.Nodes;
using Moderation.ModelImport.Tfjs;
using Onnx;
using static Moderation.ModelImport.Conversion.OnnxGraphBuilder;

namespace Moderation.ModelImport.Conversion;

/// <summary>Names and labels of the ONNX graph the converter writes.</summary>
/// <param name="EmbeddingLayer">Keras layer exposed as the embedding output; null picks the input of the classification
/// layer, skipping Dropout (the 128-unit Dense layer of the nsfwjs models).</param>
/// <param name="FeatureMapName">Output name of the last convolutional feature map (channels last).</param>
/// <param name="ClassActivationName">Output name of the class activation maps computed from it and the dense head.</param>
internal sealed record ConversionOptions(
    string InputName,
    string ProbabilitiesName,
    string EmbeddingName,
    string FeatureMapName,
    string ClassActivationName,
    string? EmbeddingLayer,
    string ProducerName,
    string ProducerVersion,
    string DocString,
    IReadOnlyDictionary<string, string> Metadata);

/// <summary>What the written graph looks like, for the manifest.</summary>
/// <param name="ActivationGrid">Height and width of the feature map and class activation outputs; null when the head is
/// not one the closed-form gradient covers (then neither output exists).</param>
internal sealed record ConversionResult(ModelProto Model, int Height, int Width, int Channels, int ClassCount, string EmbeddingLayer, int EmbeddingSize,
    (int Height, int Width)? ActivationGrid);

/// <summary>
/// Converts a Keras functional/sequential model (channels-last, as TensorFlow.js stores it) to an ONNX graph
/// (opset 13) with a dynamic batch dimension. The NHWC input is transposed once to NCHW, the layout ONNX convolutions
/// use; weights are re-laid out accordingly, and Flatten restores channels-last order so Dense weights apply unchanged.
/// Every layer class has its own handler; a class without one is refused with its name before anything is written.
/// </summary>
internal sealed class KerasOnnxConverter
{
    public const int Opset = 13;
    public const int IrVersion = 7;
    private const string BatchDimension = "batch";

    private static readonly string[] IdentityInInference = ["Dropout"];

    /// <summary>Layer handlers by Keras class name: adding a layer type is adding one entry and one method.</summary>
    private static readonly Dictionary<string, Func<KerasOnnxConverter, KerasLayer, IReadOnlyList<Value>, Value>> Handlers = new(StringComparer.Ordinal)
    {
        ["InputLayer"] = (converter, layer, _) => converter.InputLayer(layer),
        ["ZeroPadding2D"] = (converter, layer, inputs) => converter.ZeroPadding2D(layer, inputs),
        ["Conv2D"] = (converter, layer, inputs) => converter.Conv2D(layer, inputs),
        ["DepthwiseConv2D"] = (converter, layer, inputs) => converter.DepthwiseConv2D(layer, inputs),
        ["BatchNormalization"] = (converter, layer, inputs) => converter.BatchNormalization(layer, inputs),
        ["ReLU"] = (converter, layer, inputs) => converter.ReLU(layer, inputs),
        ["Activation"] = (converter, layer, inputs) => converter.Activation(layer, Single(layer, inputs), layer.Get<string>("activation") ?? "linear"),
        ["Add"] = (converter, layer, inputs) => converter.Add(layer, inputs),
        ["Concatenate"] = (converter, layer, inputs) => converter.Concatenate(layer, inputs),
        ["MaxPooling2D"] = (converter, layer, inputs) => converter.Pooling(layer, inputs, "MaxPool"),
        ["AveragePooling2D"] = (converter, layer, inputs) => converter.Pooling(layer, inputs, "AveragePool"),
        ["GlobalAveragePooling2D"] = (converter, layer, inputs) => converter.GlobalPooling(layer, inputs, "GlobalAveragePool"),
        ["GlobalMaxPooling2D"] = (converter, layer, inputs) => converter.GlobalPooling(layer, inputs, "GlobalMaxPool"),
        ["Flatten"] = (converter, layer, inputs) => converter.Flatten(layer, inputs),
        ["Dense"] = (converter, layer, inputs) => converter.Dense(layer, inputs),
        ["Dropout"] = (_, layer, inputs) => Single(layer, inputs),
        ["Softmax"] = (converter, layer, inputs) => converter.Softmax(layer, inputs),
    };

    private readonly TfjsLayersModel model;
    private readonly ConversionOptions options;
    private readonly OnnxGraphBuilder graph;
    private readonly Dictionary<string, Value> values = new(StringComparer.Ordinal);
    private readonly HashSet<string> usedWeights = new(StringComparer.Ordinal);

    /// <summary>Dense layers' kernel initializers ([inputs, units]) by layer name, for the class activation head.</summary>
    private readonly Dictionary<string, string> denseKernels = new(StringComparer.Ordinal);

    private KerasOnnxConverter(TfjsLayersModel model, ConversionOptions options)
    {
        this.model = model;
        this.options = options;
        graph = new OnnxGraphBuilder(model.Name);
    }

    public static IReadOnlyCollection<string> SupportedLayers => Handlers.Keys;

    public static ConversionResult Convert(TfjsLayersModel model, ConversionOptions options) =>
        new KerasOnnxConverter(model, options).Run();

    private ConversionResult Run()
    {
        var unsupported = model.Layers.FirstOrDefault(layer => !Handlers.ContainsKey(layer.ClassName));
        if (unsupported is not null)
        {
            throw new UnsupportedLayerException(unsupported.Name, unsupported.ClassName, Handlers.Keys);
        }

        foreach (var layer in model.Layers)
        {
            var inputs = layer.Inbound.Select(name => values.TryGetValue(name, out var value)
                ? value
                : throw new ModelImportException($"Layer '{layer.Name}' ({layer.ClassName}) reads '{name}', which is not defined before it.")).ToList();
            values[layer.Name] = Handlers[layer.ClassName](this, layer, inputs);
        }

        var unused = model.Weights.Keys.Where(name => !usedWeights.Contains(name)).Order(StringComparer.Ordinal).ToList();
        if (unused.Count > 0)
        {
            throw new ModelImportException($"{unused.Count} weights are not used by any layer (first: {unused[0]}); the weights do not belong to this topology.");
        }

        var input = values[model.InputLayer];
        var probabilities = values[model.OutputLayer];
        var embeddingLayer = options.EmbeddingLayer ?? FindEmbeddingLayer();
        var embedding = values.TryGetValue(embeddingLayer, out var found)
            ? found
            : throw new ModelImportException($"Embedding layer '{embeddingLayer}' does not exist.");
        if (probabilities.Shape.Length != 1 || embedding.Shape.Length != 1)
        {
            throw new ModelImportException($"The output ({probabilities.ShapeText}) and the embedding layer '{embeddingLayer}' ({embedding.ShapeText}) must both be vectors per image.");
        }

        AddOutput(probabilities, options.ProbabilitiesName);
        AddOutput(embedding, options.EmbeddingName);
        var activationGrid = AddClassActivation(probabilities.Shape[0]);

        var onnx = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = options.ProducerName,
            ProducerVersion = options.ProducerVersion,
            DocString = options.DocString,
            Graph = graph.Graph,
        };
        onnx.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var (key, value) in options.Metadata)
        {
            onnx.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }

        var inputShape = input.Shape.Length == 3 ? input.Shape : throw new ModelImportException($"The model input {input.ShapeText} is not an image (height, width, channels).");
        return new ConversionResult(onnx, inputShape[0], inputShape[1], inputShape[2], probabilities.Shape[0], embeddingLayer, embedding.Shape[0],
            activationGrid);
    }

    /// <summary>
    /// Exposes the last convolutional feature map A (the input of the average pooling that feeds the dense head) and
    /// the class activation maps M<sub>c</sub>(x, y) = Σ<sub>k</sub> g<sub>c,k</sub> A<sub>x,y,k</sub>, where g<sub>c</sub> is the
    /// gradient of class c's logit with respect to the pooled features. Through Dense layers with ReLU (or no) activation
    /// that gradient is closed-form: W<sub>1</sub> · diag(h<sub>1</sub> &gt; 0) · W<sub>2</sub> · … · W<sub>L</sub>[:, c], the masks
    /// taken from the frame's own activations, so the graph computes it per frame (Grad-CAM; the pooling's 1/(H·W) is
    /// left out, so the cells' mean is the logit's linear part). A head of another shape gets neither output.
    /// </summary>
    private (int Height, int Width)? AddClassActivation(int classCount)
    {
        var layers = model.Layers.ToDictionary(layer => layer.Name, StringComparer.Ordinal);
        var dense = new List<KerasLayer>();
        var current = layers[model.OutputLayer];
        while (current.ClassName is "Dense" or "Dropout" or "Flatten" && current.Inbound.Count == 1)
        {
            if (current.ClassName == "Dense")
            {
                if ((current.Get<string>("activation") ?? "linear") is not ("relu" or "linear") && current.Name != model.OutputLayer)
                {
                    return null;
                }

                dense.Add(current);
            }

            current = layers[current.Inbound[0]];
        }

        if (dense.Count == 0 || current.Inbound.Count != 1 || !IsGlobalAverage(current, values[current.Inbound[0]]))
        {
            return null;
        }

        var features = values[current.Inbound[0]];
        var (height, width, channels) = (features.Shape[0], features.Shape[1], features.Shape[2]);
        var nhwc = graph.Add("Transpose", "class_activation/features_nhwc", [features.Name], Ints("perm", 0, 2, 3, 1));
        AddOutput(new Value(nhwc, [height, width, channels]), options.FeatureMapName);

        // dense[0] is the output layer; walk back towards the features: G ← W_l · (mask_l ⊙ G).
        var gradient = denseKernels[dense[0].Name];
        for (var l = 1; l < dense.Count; l++)
        {
            var layer = dense[l];
            var activations = values[layer.Name];
            if ((layer.Get<string>("activation") ?? "linear") == "relu")
            {
                var positive = graph.Add("Greater", $"class_activation/{layer.Name}/positive", [activations.Name, graph.AddScalar($"class_activation/{layer.Name}/zero", 0f)]);
                var mask = graph.Add("Cast", $"class_activation/{layer.Name}/mask", [positive], Int("to", (long)TensorProto.Types.DataType.Float));
                var column = graph.Add("Unsqueeze", $"class_activation/{layer.Name}/mask_column", [mask, graph.AddInt64Initializer($"class_activation/{layer.Name}/axes", 2)]);
                gradient = graph.Add("Mul", $"class_activation/{layer.Name}/masked", [column, gradient]);
            }

            gradient = graph.Add("MatMul", $"class_activation/{layer.Name}/gradient", [denseKernels[layer.Name], gradient]);
        }

        var cells = graph.Add("Reshape", "class_activation/cells", [nhwc, graph.AddInt64Initializer("class_activation/cells_shape", 0, height * width, channels)]);
        var perCell = graph.Add("MatMul", "class_activation/per_cell", [cells, gradient]);
        var maps = graph.Add("Reshape", "class_activation/maps", [perCell, graph.AddInt64Initializer("class_activation/maps_shape", 0, height, width, classCount)]);
        AddOutput(new Value(maps, [height, width, classCount]), options.ClassActivationName);
        return (height, width);
    }

    /// <summary>A global average over the whole map: GlobalAveragePooling2D, or an AveragePooling2D whose window is the map.</summary>
    private static bool IsGlobalAverage(KerasLayer layer, Value input) => input.Shape.Length == 3 && layer.ClassName switch
    {
        "GlobalAveragePooling2D" => true,
        "AveragePooling2D" => layer.GetPair("pool_size", [2, 2]) is [var h, var w] && h == input.Shape[0] && w == input.Shape[1]
            && (layer.Get<string>("padding") ?? "valid") == "valid",
        _ => false,
    };

    private string FindEmbeddingLayer()
    {
        var layers = model.Layers.ToDictionary(layer => layer.Name, StringComparer.Ordinal);
        var current = layers[model.OutputLayer];
        do
        {
            if (current.Inbound.Count != 1)
            {
                throw new ModelImportException($"Cannot find the embedding: '{current.Name}' has {current.Inbound.Count} inputs; name the embedding layer explicitly.");
            }

            current = layers[current.Inbound[0]];
        }
        while (IdentityInInference.Contains(current.ClassName));

        return current.Name;
    }

    private void AddOutput(Value value, string name)
    {
        graph.Graph.Node.Add(new NodeProto { OpType = "Identity", Name = graph.UniqueName(name), Input = { value.Name }, Output = { name } });
        graph.Graph.Output.Add(FloatValue(name, BatchDimension, [.. value.Shape.Select(dimension => (long)dimension)]));
    }

    private Value InputLayer(KerasLayer layer)
    {
        var shape = layer.Config["batch_input_shape"]?.AsArray()
            ?? throw new ModelImportException($"Input layer '{layer.Name}' has no batch_input_shape.");
        if (layer.Get<string>("dtype") is { } dtype && dtype != "float32")
        {
            throw new ModelImportException($"Input layer '{layer.Name}' has dtype {dtype}; only float32 input is supported.");
        }

        var dims = shape.Skip(1).Select(dimension => dimension?.GetValue<int>()
            ?? throw new ModelImportException($"Input layer '{layer.Name}' has a dynamic dimension {shape.ToJsonString()}; only the batch dimension may be dynamic.")).ToArray();
        if (dims.Length != 3)
        {
            throw new ModelImportException($"Input layer '{layer.Name}' has shape {shape.ToJsonString()}; an image input (batch, height, width, channels) is expected.");
        }

        var name = graph.UniqueName(options.InputName);
        graph.Graph.Input.Add(FloatValue(name, BatchDimension, dims[0], dims[1], dims[2]));
        var nchw = graph.Add("Transpose", $"{layer.Name}/to_nchw", [name], Ints("perm", 0, 3, 1, 2));
        return new Value(nchw, dims);
    }

    private Value ZeroPadding2D(KerasLayer layer, IReadOnlyList<Value> inputs)
    {
        var input = Image(layer, inputs);
        RequireChannelsLast(layer);
        var padding = layer.Config["padding"];
        int top, bottom, left, right;
        switch (padding)
        {
            case JsonArray { Count: 2 } pair when pair[0] is JsonArray:
                (top, bottom) = (pair[0]![0]!.GetValue<int>(), pair[0]![1]!.GetValue<int>());
                (left, right) = (pair[1]![0]!.GetValue<int>(), pair[1]![1]!.GetValue<int>());
                break;
            default:
                var symmetric = layer.GetPair("padding", [1, 1]);
                (top, bottom, left, right) = (symmetric[0], symmetric[0], symmetric[1], symmetric[1]);
                break;
        }

        var pads = graph.AddInt64Initializer($"{layer.Name}/pads", 0, 0, top, left, 0, 0, bottom, right);
        var output = graph.Add("Pad", $"{layer.Name}/Pad", [input.Name, pads], String("mode", "constant"));
        return new Value(output, [input.Shape[0] + top + bottom, input.Shape[1] + left + right, input.Shape[2]]);
    }

    private Value Conv2D(KerasLayer layer, IReadOnlyList<Value> inputs)
    {
        var input = Image(layer, inputs);
        RequireChannelsLast(layer);
        var filters = layer.Get<int>("filters");
        var kernelSize = layer.GetPair("kernel_size");
        var groups = layer.Get<int?>("groups") ?? 1;
        var inputChannels = input.Shape[2];
        if (groups < 1 || inputChannels % groups != 0 || filters % groups != 0)
        {
            throw new ModelImportException($"Layer '{layer.Name}' (Conv2D) has groups={groups}, which does not divide its {inputChannels} input channels and {filters} filters.");
        }

        var kernel = Weight(layer, "kernel", kernelSize[0], kernelSize[1], inputChannels / groups, filters);
        var weights = KerasToOihw(kernel, kernelSize[0], kernelSize[1], inputChannels / groups, filters, depthwise: false);
        var (attributes, height, width) = Window(layer, input, kernelSize, "Conv2D");
        var convInputs = new List<string> { input.Name, graph.AddInitializer($"{layer.Name}/kernel", weights, filters, inputChannels / groups, kernelSize[0], kernelSize[1]) };
        if (layer.Get<bool?>("use_bias") ?? true)
        {
            convInputs.Add(graph.AddInitializer($"{layer.Name}/bias", Weight(layer, "bias", filters).Values, filters));
        }

        var output = graph.Add("Conv", $"{layer.Name}/Conv", convInputs, [.. attributes, Int("group", groups)]);
        return Activation(layer, new Value(output, [height, width, filters]), layer.Get<string>("activation") ?? "linear");
    }

    private Value DepthwiseConv2D(KerasLayer layer, IReadOnlyList<Value> inputs)
    {
        var input = Image(layer, inputs);
        RequireChannelsLast(layer);
        var kernelSize = layer.GetPair("kernel_size");
        var multiplier = layer.Get<int?>("depth_multiplier") ?? 1;
        var channels = input.Shape[2];
        var outputChannels = channels * multiplier;
        var kernel = Weight(layer, "depthwise_kernel", kernelSize[0], kernelSize[1], channels, multiplier);
        var weights = KerasToOihw(kernel, kernelSize[0], kernelSize[1], channels, multiplier, depthwise: true);
        var (attributes, height, width) = Window(layer, input, kernelSize, "DepthwiseConv2D");
        var convInputs = new List<string> { input.Name, graph.AddInitializer($"{layer.Name}/depthwise_kernel", weights, outputChannels, 1, kernelSize[0], kernelSize[1]) };
        if (layer.Get<bool?>("use_bias") ?? true)
        {
            convInputs.Add(graph.AddInitializer($"{layer.Name}/bias", Weight(layer, "bias", outputChannels).Values, outputChannels));
        }

        var output = graph.Add("Conv", $"{layer.Name}/Conv", convInputs, [.. attributes, Int("group", channels)]);
        return Activation(layer, new Value(output, [height, width, outputChannels]), layer.Get<string>("activation") ?? "linear");
    }

    /// <summary>
    /// Keras kernels are [kh, kw, in, out] (depthwise: [kh, kw, channels, multiplier]); ONNX Conv wants
    /// [out, in, kh, kw] (depthwise: [channels × multiplier, 1, kh, kw] with output channel c·multiplier + m).
    /// </summary>
    private static float[] KerasToOihw(WeightTensor kernel, int kernelHeight, int kernelWidth, int inputs, int outputs, bool depthwise)
    {
        var source = kernel.Values;
        var result = new float[source.Length];
        for (var y = 0; y < kernelHeight; y++)
        {
            for (var x = 0; x < kernelWidth; x++)
            {
                for (var i = 0; i < inputs; i++)
                {
                    for (var o = 0; o < outputs; o++)
                    {
                        var value = source[((y * kernelWidth + x) * inputs + i) * outputs + o];
                        var target = depthwise
                            ? ((i * outputs + o) * kernelHeight + y) * kernelWidth + x
                            : ((o * inputs + i) * kernelHeight + y) * kernelWidth + x;
                        result[target] = value;
                    }
                }
            }
        }

        return result;
    }

    /// <summary>Kernel, stride, dilation and explicit pads of a sliding window, with TensorFlow's "same" padding rule.</summary>
    private static (AttributeProto[] Attributes, int Height, int Width) Window(KerasLayer layer, Value input, int[] kernelSize, string kind, int[]? strideFallback = null)
    {
        var strides = layer.GetPair("strides", strideFallback ?? [1, 1]);
        var dilation = layer.GetPair("dilation_rate", [1, 1]);
        var padding = layer.Get<string>("padding") ?? "valid";
        var (height, top, bottom) = Pad(layer, input.Shape[0], kernelSize[0], strides[0], dilation[0], padding, kind);
        var (width, left, right) = Pad(layer, input.Shape[1], kernelSize[1], strides[1], dilation[1], padding, kind);
        AttributeProto[] attributes =
        [
            Ints("kernel_shape", kernelSize[0], kernelSize[1]),
            Ints("strides", strides[0], strides[1]),
            Ints("pads", top, left, bottom, right),
        ];
        if (dilation[0] != 1 || dilation[1] != 1)
        {
            attributes = [.. attributes, Ints("dilations", dilation[0], dilation[1])];
        }

        return (attributes, height, width);
    }

    private static (int Output, int Before, int After) Pad(KerasLayer layer, int size, int kernel, int stride, int dilation, string padding, string kind)
    {
        var effectiveKernel = (kernel - 1) * dilation + 1;
        switch (padding)
        {
            case "valid":
                if (size < effectiveKernel)
                {
                    throw new ModelImportException($"Layer '{layer.Name}' ({kind}) has a window of {effectiveKernel} over only {size} positions.");
                }

                return ((size - effectiveKernel) / stride + 1, 0, 0);
            case "same":
                var output = (size + stride - 1) / stride;
                var total = Math.Max((output - 1) * stride + effectiveKernel - size, 0);
                return (output, total / 2, total - total / 2);
            default:
                throw new UnsupportedLayerException(layer.Name, kind, $"padding '{padding}' is not supported (valid or same).");
        }
    }

    private Value BatchNormalization(KerasLayer layer, IReadOnlyList<Value> inputs)
    {
        var input = Single(layer, inputs);
        var axisNode = layer.Config["axis"];
        var axis = axisNode is JsonArray { Count: 1 } list ? list[0]!.GetValue<int>() : axisNode?.GetValue<int>() ?? -1;
        var rank = input.Shape.Length + 1;
        if (axis != -1 && axis != rank - 1)
        {
            throw new UnsupportedLayerException(layer.Name, layer.ClassName, $"axis {axis} is not supported; only the channel axis (-1) is.");
        }

        var channels = input.Shape[^1];
        var gamma = layer.Get<bool?>("scale") ?? true ? Weight(layer, "gamma", channels).Values : Filled(channels, 1f);
        var beta = layer.Get<bool?>("center") ?? true ? Weight(layer, "beta", channels).Values : Filled(channels, 0f);
        var mean = Weight(layer, "moving_mean", channels).Values;
        var variance = Weight(layer, "moving_variance", channels).Values;
        var output = graph.Add(
            "BatchNormalization",
            $"{layer.Name}/BatchNormalization",
            [
                input.Name,
                graph.AddInitializer($"{layer.Name}/gamma", gamma, channels),
                graph.AddInitializer($"{layer.Name}/beta", beta, channels),
                graph.AddInitializer($"{layer.Name}/moving_mean", mean, channels),
                graph.AddInitializer($"{layer.Name}/moving_variance", variance, channels),
            ],
            Float("epsilon", (float)(layer.Get<double?>("epsilon") ?? 1e-3)));
        return input with { Name = output };
    }

    private Value ReLU(KerasLayer layer, IReadOnlyList<Value> inputs)
    {
        var input = Single(layer, inputs);
        var maxValue = layer.Get<double?>("max_value");
        var slope = layer.Get<double?>("negative_slope") ?? 0;
        if ((layer.Get<double?>("threshold") ?? 0) != 0)
        {
            throw new UnsupportedLayerException(layer.Name, layer.ClassName, "a non-zero threshold is not supported.");
        }

        if (slope == 0)
        {
            return maxValue is { } max ? Clip(layer, input, 0, (float)max) : input with { Name = graph.Add("Relu", $"{layer.Name}/Relu", [input.Name]) };
        }

        var leaky = graph.Add("LeakyRelu", $"{layer.Name}/LeakyRelu", [input.Name], Float("alpha", (float)slope));
        return maxValue is { } limit
            ? input with { Name = graph.Add("Min", $"{layer.Name}/Min", [leaky, graph.AddScalar($"{layer.Name}/max_value", (float)limit)]) }
            : input with { Name = leaky };
    }

    private Value Clip(KerasLayer layer, Value input, float min, float max) => input with
    {
        Name = graph.Add("Clip", $"{layer.Name}/Clip", [input.Name, graph.AddScalar($"{layer.Name}/clip_min", min), graph.AddScalar($"{layer.Name}/clip_max", max)]),
    };

    /// <summary>Keras activation functions by name (the <c>activation</c> of Conv2D, Dense and Activation layers).</summary>
    private Value Activation(KerasLayer layer, Value input, string activation)
    {
        string Unary(string op, params AttributeProto[] attributes) => graph.Add(op, $"{layer.Name}/{op}", [input.Name], attributes);

        return activation switch
        {
            "linear" => input,
            "relu" => input with { Name = Unary("Relu") },
            "relu6" => Clip(layer, input, 0, 6),
            "sigmoid" => input with { Name = Unary("Sigmoid") },
            "hard_sigmoid" => input with { Name = Unary("HardSigmoid", Float("alpha", 0.2f), Float("beta", 0.5f)) },
            "tanh" => input with { Name = Unary("Tanh") },
            "softmax" => input with { Name = Unary("Softmax", Int("axis", OnnxAxis(input.Shape.Length - 1, input.Shape.Length))) },
            "elu" => input with { Name = Unary("Elu", Float("alpha", 1f)) },
            "selu" => input with { Name = Unary("Selu") },
            "softplus" => input with { Name = Unary("Softplus") },
            "softsign" => input with { Name = Unary("Softsign") },
            "exponential" => input with { Name = Unary("Exp") },
            "swish" => input with { Name = graph.Add("Mul", $"{layer.Name}/swish", [input.Name, Unary("Sigmoid")]) },
            _ => throw new UnsupportedLayerException(layer.Name, layer.ClassName, $"activation '{activation}' is not supported."),
        };
    }

    private Value Add(KerasLayer layer, IReadOnlyList<Value> inputs)
    {
        if (inputs.Count < 2 || inputs.Any(input => !input.Shape.SequenceEqual(inputs[0].Shape)))
        {
            throw new UnsupportedLayerException(layer.Name, layer.ClassName, $"it needs two or more inputs of one shape, got {string.Join(", ", inputs.Select(input => input.ShapeText))}.");
        }

        var output = graph.Add(inputs.Count == 2 ? "Add" : "Sum", $"{layer.Name}/{(inputs.Count == 2 ? "Add" : "Sum")}", inputs.Select(input => input.Name));
        return inputs[0] with { Name = output };
    }

    private Value Concatenate(KerasLayer layer, IReadOnlyList<Value> inputs)
    {
        var rank = inputs[0].Shape.Length;
        var axis = layer.Get<int?>("axis") ?? -1;
        var kerasAxis = (axis < 0 ? axis + rank + 1 : axis) - 1;
        if (inputs.Count < 2 || kerasAxis < 0 || kerasAxis >= rank || inputs.Any(input => input.Shape.Length != rank
            || Enumerable.Range(0, rank).Any(d => d != kerasAxis && input.Shape[d] != inputs[0].Shape[d])))
        {
            throw new UnsupportedLayerException(layer.Name, layer.ClassName, $"cannot concatenate {string.Join(", ", inputs.Select(input => input.ShapeText))} on axis {axis}.");
        }

        var shape = inputs[0].Shape.ToArray();
        shape[kerasAxis] = inputs.Sum(input => input.Shape[kerasAxis]);
        var output = graph.Add("Concat", $"{layer.Name}/Concat", inputs.Select(input => input.Name), Int("axis", OnnxAxis(kerasAxis, rank)));
        return new Value(output, shape);
    }

    private Value Pooling(KerasLayer layer, IReadOnlyList<Value> inputs, string op)
    {
        var input = Image(layer, inputs);
        RequireChannelsLast(layer);
        var poolSize = layer.GetPair("pool_size", [2, 2]);
        var (attributes, height, width) = Window(layer, input, poolSize, layer.ClassName, strideFallback: poolSize);

        // TensorFlow averages over the valid (unpadded) positions only.
        var output = op == "AveragePool"
            ? graph.Add(op, $"{layer.Name}/{op}", [input.Name], [.. attributes, Int("count_include_pad", 0)])
            : graph.Add(op, $"{layer.Name}/{op}", [input.Name], attributes);
        return new Value(output, [height, width, input.Shape[2]]);
    }

    private Value GlobalPooling(KerasLayer layer, IReadOnlyList<Value> inputs, string op)
    {
        var input = Image(layer, inputs);
        RequireChannelsLast(layer);
        var pooled = graph.Add(op, $"{layer.Name}/{op}", [input.Name]);
        return layer.Get<bool?>("keepdims") ?? false
            ? new Value(pooled, [1, 1, input.Shape[2]])
            : new Value(graph.Add("Flatten", $"{layer.Name}/Flatten", [pooled], Int("axis", 1)), [input.Shape[2]]);
    }

    private Value Flatten(KerasLayer layer, IReadOnlyList<Value> inputs)
    {
        var input = Single(layer, inputs);
        if (input.Shape.Length == 1)
        {
            return input;
        }

        RequireChannelsLast(layer);

        // Keras flattens channels-last; with a 1×1 map NCHW order is the same, otherwise restore NHWC first.
        var source = input.Shape[0] == 1 && input.Shape[1] == 1
            ? input.Name
            : graph.Add("Transpose", $"{layer.Name}/to_nhwc", [input.Name], Ints("perm", 0, 2, 3, 1));
        var output = graph.Add("Flatten", $"{layer.Name}/Flatten", [source], Int("axis", 1));
        return new Value(output, [input.Shape.Aggregate(1, (product, dimension) => product * dimension)]);
    }

    private Value Dense(KerasLayer layer, IReadOnlyList<Value> inputs)
    {
        var input = Single(layer, inputs);
        if (input.Shape.Length != 1)
        {
            throw new UnsupportedLayerException(layer.Name, layer.ClassName, $"it is applied to {input.ShapeText}; only vectors (after Flatten or global pooling) are supported.");
        }

        var units = layer.Get<int>("units");
        var kernel = Weight(layer, "kernel", input.Shape[0], units);
        var kernelName = graph.AddInitializer($"{layer.Name}/kernel", kernel.Values, input.Shape[0], units);
        denseKernels[layer.Name] = kernelName;
        var gemmInputs = new List<string> { input.Name, kernelName };
        if (layer.Get<bool?>("use_bias") ?? true)
        {
            gemmInputs.Add(graph.AddInitializer($"{layer.Name}/bias", Weight(layer, "bias", units).Values, units));
        }

        var output = graph.Add("Gemm", $"{layer.Name}/Gemm", gemmInputs);
        return Activation(layer, new Value(output, [units]), layer.Get<string>("activation") ?? "linear");
    }

    private Value Softmax(KerasLayer layer, IReadOnlyList<Value> inputs)
    {
        var input = Single(layer, inputs);
        var axis = layer.Get<int?>("axis") ?? -1;
        var rank = input.Shape.Length;
        var kerasAxis = (axis < 0 ? axis + rank + 1 : axis) - 1;
        if (kerasAxis < 0 || kerasAxis >= rank)
        {
            throw new UnsupportedLayerException(layer.Name, layer.ClassName, $"axis {axis} is out of range for {input.ShapeText}.");
        }

        return input with { Name = graph.Add("Softmax", $"{layer.Name}/Softmax", [input.Name], Int("axis", OnnxAxis(kerasAxis, rank))) };
    }

    /// <summary>ONNX axis (with batch, NCHW) of a Keras axis (without batch, channels-last).</summary>
    private static int OnnxAxis(int kerasAxis, int rank) => rank == 3
        ? kerasAxis switch { 0 => 2, 1 => 3, _ => 1 }
        : kerasAxis + 1;

    private WeightTensor Weight(KerasLayer layer, string kind, params int[] expectedShape)
    {
        var name = $"{layer.Name}/{kind}";
        if (!model.Weights.TryGetValue(name, out var weight))
        {
            throw new ModelImportException($"Layer '{layer.Name}' ({layer.ClassName}) needs weight '{name}', which the weights manifest lacks.");
        }

        if (!weight.Shape.SequenceEqual(expectedShape))
        {
            throw new ModelImportException($"Weight '{name}' has shape {weight.ShapeText}; layer '{layer.Name}' ({layer.ClassName}) expects [{string.Join(", ", expectedShape)}].");
        }

        usedWeights.Add(name);
        return weight;
    }

    private static float[] Filled(int count, float value)
    {
        var result = new float[count];
        Array.Fill(result, value);
        return result;
    }

    private static Value Single(KerasLayer layer, IReadOnlyList<Value> inputs) => inputs.Count == 1
        ? inputs[0]
        : throw new ModelImportException($"Layer '{layer.Name}' ({layer.ClassName}) has {inputs.Count} inputs; it takes one.");

    private static Value Image(KerasLayer layer, IReadOnlyList<Value> inputs)
    {
        var input = Single(layer, inputs);
        return input.Shape.Length == 3
            ? input
            : throw new UnsupportedLayerException(layer.Name, layer.ClassName, $"it needs an image-shaped input (height, width, channels), got {input.ShapeText}.");
    }

    private static void RequireChannelsLast(KerasLayer layer)
    {
        if (layer.Get<string>("data_format") is { } format && format != "channels_last")
        {
            throw new UnsupportedLayerException(layer.Name, layer.ClassName, $"data_format '{format}' is not supported (channels_last is).");
        }
    }

    /// <summary>A tensor of the graph: its ONNX name and its Keras shape without the batch dimension (channels last).</summary>
    private sealed record Value(string Name, int[] Shape)
    {
        public string ShapeText => $"[{string.Join(", ", Shape)}]";
    }
}
