using System.Text.Json.Nodes;

namespace Moderation.ModelImport.Tests.Infrastructure;

/// <summary>
/// Writes small TensorFlow.js layers-models (model.json + one float32 shard) with seeded random weights, so the
/// converter can be checked layer by layer against tfjs without the big models.
/// </summary>
internal sealed class TinyKerasModel
{
    private readonly JsonArray layers = [];
    private readonly List<(string Name, int[] Shape, float[] Values)> weights = [];
    private readonly Random random = new(1234);

    public string? OutputLayer { get; set; }

    public TinyKerasModel Input(string name, params int[] shape)
    {
        var batchShape = new JsonArray { null };
        foreach (var dimension in shape)
        {
            batchShape.Add(dimension);
        }

        return Layer(name, "InputLayer", new JsonObject { ["batch_input_shape"] = batchShape, ["dtype"] = "float32" });
    }

    /// <summary>Adds a layer reading <paramref name="inbound"/> (none for the input layer).</summary>
    public TinyKerasModel Layer(string name, string className, JsonObject config, params string[] inbound)
    {
        config["name"] = name;
        var calls = new JsonArray();
        foreach (var source in inbound)
        {
            calls.Add(new JsonArray { source, 0, 0, new JsonObject() });
        }

        layers.Add(new JsonObject
        {
            ["name"] = name,
            ["class_name"] = className,
            ["config"] = config,
            ["inbound_nodes"] = inbound.Length == 0 ? new JsonArray() : new JsonArray { calls },
        });
        OutputLayer = name;
        return this;
    }

    /// <summary>A weight with values uniform in [low, high).</summary>
    public TinyKerasModel Weight(string name, int[] shape, float low = -0.5f, float high = 0.5f)
    {
        var values = new float[shape.Aggregate(1, (a, b) => a * b)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = low + (high - low) * random.NextSingle();
        }

        weights.Add((name, shape, values));
        return this;
    }

    public string Write(string directory)
    {
        Directory.CreateDirectory(directory);
        var specs = new JsonArray();
        using (var shard = File.Create(Path.Combine(directory, "group1-shard1of1.bin")))
        {
            foreach (var (name, shape, values) in weights)
            {
                specs.Add(new JsonObject { ["name"] = name, ["shape"] = new JsonArray([.. shape.Select(d => (JsonNode)d)]), ["dtype"] = "float32" });
                shard.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
            }
        }

        var inputName = layers[0]!["name"]!.GetValue<string>();
        var model = new JsonObject
        {
            ["modelTopology"] = new JsonObject
            {
                ["keras_version"] = "2.2.4",
                ["backend"] = "tensorflow",
                ["model_config"] = new JsonObject
                {
                    ["class_name"] = "Model",
                    ["config"] = new JsonObject
                    {
                        ["name"] = "tiny",
                        ["layers"] = layers.DeepClone(),
                        ["input_layers"] = new JsonArray { new JsonArray { inputName, 0, 0 } },
                        ["output_layers"] = new JsonArray { new JsonArray { OutputLayer, 0, 0 } },
                    },
                },
            },
            ["weightsManifest"] = new JsonArray { new JsonObject { ["paths"] = new JsonArray { "group1-shard1of1.bin" }, ["weights"] = specs } },
        };
        File.WriteAllText(Path.Combine(directory, "model.json"), model.ToJsonString());
        return directory;
    }
}
