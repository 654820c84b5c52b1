using System.Buffers.Binary;
using System.Text.Json.Nodes;

namespace Moderation.ModelImport.Tfjs;

/// <summary>
/// Decodes TensorFlow.js weight shards exactly as tfjs-core's io.decodeWeights does, so the imported graph computes
/// with the very float32 values the reference does.
/// </summary>
internal static class WeightDecoder
{
    /// <summary>Reads every group of a weightsManifest: a group's shards are concatenated, its weights follow one another.</summary>
    public static Dictionary<string, WeightTensor> ReadGroups(JsonArray weightsManifest, string directory)
    {
        var weights = new Dictionary<string, WeightTensor>(StringComparer.Ordinal);
        foreach (var groupNode in weightsManifest)
        {
            var group = groupNode!.AsObject();
            using var data = new MemoryStream();
            foreach (var path in group["paths"]!.AsArray())
            {
                var shard = Path.GetFullPath(Path.Combine(directory, path!.GetValue<string>()));
                if (!shard.StartsWith(Path.GetFullPath(directory) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                {
                    throw new ModelImportException($"Weight shard path '{path}' leaves the model directory.");
                }

                using var file = File.OpenRead(shard);
                file.CopyTo(data);
            }

            var bytes = data.GetBuffer().AsSpan(0, (int)data.Length);
            var offset = 0;
            foreach (var specNode in group["weights"]!.AsArray())
            {
                var spec = WeightSpec.Parse(specNode!.AsObject());
                if (offset + spec.ByteLength > bytes.Length)
                {
                    throw new ModelImportException($"Weight '{spec.Name}' needs bytes {offset}–{offset + spec.ByteLength} but its group holds {bytes.Length}.");
                }

                var tensor = new WeightTensor(spec.Name, spec.Shape, Decode(spec, bytes.Slice(offset, spec.ByteLength)));
                if (!weights.TryAdd(spec.Name, tensor))
                {
                    throw new ModelImportException($"Weight '{spec.Name}' appears twice in the weights manifest.");
                }

                offset += spec.ByteLength;
            }

            if (offset != bytes.Length)
            {
                throw new ModelImportException($"A weight group holds {bytes.Length} bytes but its weights use {offset}: the shards do not match the manifest.");
            }
        }

        return weights;
    }

    public static float[] Decode(WeightSpec spec, ReadOnlySpan<byte> bytes)
    {
        var values = new float[spec.ElementCount];
        switch (spec.Quantization?.Dtype)
        {
            case null:
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * 4)..]);
                }

                break;
            case "uint8":
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = Dequantize(bytes[i], spec.Quantization);
                }

                break;
            case "uint16":
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = Dequantize(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(i * 2)..]), spec.Quantization);
                }

                break;
            case "float16":
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(i * 2)..]);
                }

                break;
        }

        return values;
    }

    /// <summary>
    /// tfjs: <c>values[i] = v * quantization.scale + quantization.min</c>, evaluated in double precision (JavaScript
    /// numbers) and stored into a Float32Array, i.e. rounded once to float32.
    /// </summary>
    public static float Dequantize(int quantized, Quantization quantization) =>
        (float)(quantized * quantization.Scale + quantization.Min);
}

internal sealed record Quantization(string Dtype, double Scale, double Min);

internal sealed record WeightSpec(string Name, int[] Shape, Quantization? Quantization)
{
    public int ElementCount => Shape.Aggregate(1, (product, dimension) => checked(product * dimension));

    public int ByteLength => checked(ElementCount * (Quantization?.Dtype switch
    {
        "uint8" => 1,
        "uint16" or "float16" => 2,
        _ => 4,
    }));

    public static WeightSpec Parse(JsonObject spec)
    {
        var name = spec["name"]!.GetValue<string>();
        var dtype = spec["dtype"]?.GetValue<string>() ?? "float32";
        if (dtype != "float32")
        {
            throw new ModelImportException($"Weight '{name}' has dtype {dtype}; only float32 weights are used by the supported layers.");
        }

        var shape = spec["shape"]!.AsArray().Select(dimension => dimension!.GetValue<int>()).ToArray();
        if (spec["quantization"] is not JsonObject quantization)
        {
            return new WeightSpec(name, shape, null);
        }

        var quantizedType = quantization["dtype"]?.GetValue<string>();
        switch (quantizedType)
        {
            case "uint8" or "uint16":
                if (quantization["scale"] is null || quantization["min"] is null)
                {
                    throw new ModelImportException($"Weight '{name}' is quantized to {quantizedType} but has no min and scale.");
                }

                return new WeightSpec(name, shape, new Quantization(quantizedType, quantization["scale"]!.GetValue<double>(), quantization["min"]!.GetValue<double>()));
            case "float16":
                return new WeightSpec(name, shape, new Quantization(quantizedType, 1, 0));
            default:
                throw new ModelImportException($"Weight '{name}' has quantization dtype '{quantizedType}'; supported are uint8, uint16 and float16 (as in tfjs).");
        }
    }
}
