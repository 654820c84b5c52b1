using System.Text.Json;
using System.Text.Json.Nodes;

namespace Moderation.ModelImport.Tfjs;

/// <summary>
/// A TensorFlow.js layers-model as written by tensorflowjs_converter: <c>model.json</c> (Keras topology plus weight
/// manifest) beside binary weight shards. Only the inference graph is read; the training config is ignored.
/// </summary>
internal sealed class TfjsLayersModel
{
    private TfjsLayersModel(string name, IReadOnlyList<KerasLayer> layers, string inputLayer, string outputLayer, IReadOnlyDictionary<string, WeightTensor> weights)
    {
        Name = name;
        Layers = layers;
        InputLayer = inputLayer;
        OutputLayer = outputLayer;
        Weights = weights;
    }

    public string Name { get; }

    /// <summary>Layers in topological order (the order Keras serialises them).</summary>
    public IReadOnlyList<KerasLayer> Layers { get; }

    public string InputLayer { get; }

    public string OutputLayer { get; }

    /// <summary>Dequantized weights by name (<c>layer/kernel</c>, <c>layer/gamma</c>, …).</summary>
    public IReadOnlyDictionary<string, WeightTensor> Weights { get; }

    public static TfjsLayersModel Load(string directory)
    {
        var manifestPath = Path.Combine(directory, "model.json");
        var root = JsonNode.Parse(File.ReadAllText(manifestPath)) as JsonObject
            ?? throw new ModelImportException($"{manifestPath} is not a JSON object.");
        var topology = root["modelTopology"] as JsonObject
            ?? throw new ModelImportException($"{manifestPath} has no modelTopology; only TensorFlow.js layers-models can be imported (graph-models are not).");
        var modelConfig = topology["model_config"] as JsonObject ?? topology;
        var (name, layers, input, output) = ReadTopology(modelConfig, manifestPath);

        var weightsManifest = root["weightsManifest"] as JsonArray
            ?? throw new ModelImportException($"{manifestPath} has no weightsManifest.");
        var weights = WeightDecoder.ReadGroups(weightsManifest, directory);
        return new TfjsLayersModel(name, layers, input, output, weights);
    }

    private static (string Name, List<KerasLayer> Layers, string Input, string Output) ReadTopology(JsonObject modelConfig, string source)
    {
        var className = modelConfig["class_name"]?.GetValue<string>();
        var config = modelConfig["config"];
        return className switch
        {
            "Model" or "Functional" => ReadFunctional(config as JsonObject ?? throw new ModelImportException($"{source}: model_config.config is missing."), source),
            "Sequential" => ReadSequential(config, source),
            _ => throw new ModelImportException($"{source}: model class '{className}' is not supported; expected a Keras Model (functional) or Sequential."),
        };
    }

    private static (string, List<KerasLayer>, string, string) ReadFunctional(JsonObject config, string source)
    {
        var layers = new List<KerasLayer>();
        foreach (var node in config["layers"]?.AsArray() ?? throw new ModelImportException($"{source}: the model has no layers."))
        {
            var layer = node!.AsObject();
            var name = layer["name"]?.GetValue<string>() ?? layer["config"]?["name"]?.GetValue<string>()
                ?? throw new ModelImportException($"{source}: a layer has no name.");
            var className = layer["class_name"]!.GetValue<string>();
            var inboundNodes = layer["inbound_nodes"]?.AsArray() ?? [];
            if (inboundNodes.Count > 1)
            {
                throw new ModelImportException($"Layer '{name}' ({className}) is called {inboundNodes.Count} times (a shared layer); only layers called once can be imported.");
            }

            var inbound = new List<string>();
            foreach (var call in inboundNodes.Count == 1 ? inboundNodes[0]!.AsArray() : [])
            {
                var reference = call!.AsArray();
                if (reference[1]!.GetValue<int>() != 0 || reference[2]!.GetValue<int>() != 0)
                {
                    throw new ModelImportException($"Layer '{name}' ({className}) reads output {reference[2]} of call {reference[1]} of '{reference[0]}'; only single-output layers called once are supported.");
                }

                inbound.Add(reference[0]!.GetValue<string>());
            }

            layers.Add(new KerasLayer(name, className, layer["config"]?.AsObject() ?? [], inbound));
        }

        var input = SingleEndpoint(config["input_layers"], "input", source);
        var output = SingleEndpoint(config["output_layers"], "output", source);
        return (config["name"]?.GetValue<string>() ?? "model", layers, input, output);
    }

    private static (string, List<KerasLayer>, string, string) ReadSequential(JsonNode? config, string source)
    {
        var layerNodes = config switch
        {
            JsonArray array => array,
            JsonObject obj => obj["layers"]?.AsArray(),
            _ => null,
        } ?? throw new ModelImportException($"{source}: the Sequential model has no layers.");

        var layers = new List<KerasLayer>();
        foreach (var node in layerNodes)
        {
            var layer = node!.AsObject();
            var layerConfig = layer["config"]?.AsObject() ?? [];
            var name = layerConfig["name"]?.GetValue<string>() ?? throw new ModelImportException($"{source}: a layer has no name.");
            var className = layer["class_name"]!.GetValue<string>();
            if (layers.Count == 0 && className != "InputLayer")
            {
                // Sequential models declare their input on the first layer instead of with an InputLayer.
                var inputConfig = new JsonObject
                {
                    ["name"] = $"{name}_input",
                    ["batch_input_shape"] = layerConfig["batch_input_shape"]?.DeepClone()
                        ?? throw new ModelImportException($"{source}: the first layer '{name}' declares no batch_input_shape."),
                };
                layers.Add(new KerasLayer($"{name}_input", "InputLayer", inputConfig, []));
            }

            layers.Add(new KerasLayer(name, className, layerConfig, layers.Count == 0 ? [] : [layers[^1].Name]));
        }

        var modelName = (config as JsonObject)?["name"]?.GetValue<string>() ?? "sequential";
        return (modelName, layers, layers[0].Name, layers[^1].Name);
    }

    private static string SingleEndpoint(JsonNode? endpoints, string kind, string source)
    {
        var array = endpoints?.AsArray() ?? throw new ModelImportException($"{source}: the model declares no {kind} layers.");
        if (array.Count != 1)
        {
            throw new ModelImportException($"{source}: the model has {array.Count} {kind}s; exactly one is supported.");
        }

        return array[0]![0]!.GetValue<string>();
    }
}

/// <summary>One Keras layer: its class, its config object and the layers whose outputs it consumes.</summary>
internal sealed record KerasLayer(string Name, string ClassName, JsonObject Config, IReadOnlyList<string> Inbound)
{
    public T? Get<T>(string key) => Config[key] is { } node && node.GetValueKind() != JsonValueKind.Null ? node.GetValue<T>() : default;

    public int[] GetPair(string key, int[]? fallback = null)
    {
        var node = Config[key];
        if (node is null || node.GetValueKind() == JsonValueKind.Null)
        {
            return fallback ?? throw new ModelImportException($"Layer '{Name}' ({ClassName}) has no '{key}'.");
        }

        return node is JsonArray array ? [.. array.Select(item => item!.GetValue<int>())] : [node.GetValue<int>(), node.GetValue<int>()];
    }
}

/// <summary>A float32 weight, dequantized, in the Keras layout of its layer.</summary>
internal sealed record WeightTensor(string Name, int[] Shape, float[] Values)
{
    public string ShapeText => $"[{string.Join(", ", Shape)}]";
}
