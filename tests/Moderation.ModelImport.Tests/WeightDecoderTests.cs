using System.Text.Json.Nodes;
using Moderation.ModelImport.Tests.Infrastructure;
using Moderation.ModelImport.Tfjs;
using Xunit;

namespace Moderation.ModelImport.Tests;

public sealed class WeightDecoderTests
{
    [Fact]
    public void Uint8_dequantization_is_the_tfjs_formula_in_double_rounded_once_to_float()
    {
        // nsfwjs MobileNetV2 "Conv1/kernel": min -0.87334511607301, scale 0.006666756611244351.
        var spec = WeightSpec.Parse(JsonNode.Parse("""{"name":"w","shape":[3],"dtype":"float32","quantization":{"min":-0.87334511607301,"scale":0.006666756611244351,"dtype":"uint8"}}""")!.AsObject());

        var values = WeightDecoder.Decode(spec, [0, 2, 254]);

        Assert.Equal((float)-0.87334511607301, values[0]);
        Assert.Equal((float)(2 * 0.006666756611244351 + -0.87334511607301), values[1]);
        Assert.Equal((float)(254 * 0.006666756611244351 + -0.87334511607301), values[2]);

        // Rounding the product and the sum separately in float32 (a plausible shortcut) gives another value here.
        Assert.NotEqual(2f * (float)0.006666756611244351 + (float)-0.87334511607301, values[1]);
    }

    /// <summary>Random uint8, uint16 and float16 weights decoded here and by tf.io.decodeWeights must be bit-identical.</summary>
    [Fact]
    public async Task Decoding_matches_tfjs_decodeWeights_bit_for_bit()
    {
        var directory = Directory.CreateTempSubdirectory("decode-weights-").FullName;
        try
        {
            var random = new Random(7);
            var specs = new JsonArray();
            var data = new List<byte>();
            var decoded = new List<float>();
            string[] kinds = ["uint8", "uint16", "float16", "none"];
            for (var i = 0; i < 12; i++)
            {
                var kind = kinds[i % kinds.Length];
                var count = 64 + i * 13;
                var spec = new JsonObject { ["name"] = $"layer_{i}/kernel", ["shape"] = new JsonArray { count }, ["dtype"] = "float32" };
                var min = -random.NextDouble() * 3;
                var scale = random.NextDouble() / (kind == "uint8" ? 40 : 9000);
                if (kind != "none")
                {
                    spec["quantization"] = kind == "float16"
                        ? new JsonObject { ["dtype"] = kind }
                        : new JsonObject { ["dtype"] = kind, ["min"] = min, ["scale"] = scale };
                }

                var bytes = new byte[count * (kind switch { "uint8" => 1, "none" => 4, _ => 2 })];
                if (kind == "float16")
                {
                    for (var j = 0; j < count; j++)
                    {
                        BitConverter.TryWriteBytes(bytes.AsSpan(j * 2), (Half)(random.NextSingle() * 8 - 4));
                    }
                }
                else
                {
                    random.NextBytes(bytes);
                    if (kind == "none")
                    {
                        for (var j = 0; j < count; j++)
                        {
                            BitConverter.TryWriteBytes(bytes.AsSpan(j * 4), random.NextSingle() - 0.5f);
                        }
                    }
                }

                specs.Add(spec);
                data.AddRange(bytes);
                decoded.AddRange(WeightDecoder.Decode(WeightSpec.Parse(spec), bytes));
            }

            var specsPath = Path.Combine(directory, "specs.json");
            var dataPath = Path.Combine(directory, "weights.bin");
            var outPath = Path.Combine(directory, "decoded.f32");
            await File.WriteAllTextAsync(specsPath, specs.ToJsonString());
            await File.WriteAllBytesAsync(dataPath, [.. data]);
            await NodeReference.RunAsync(["decode-weights", "--specs", specsPath, "--data", dataPath, "--out", outPath], TimeSpan.FromMinutes(2));
            var expected = NodeReference.ReadFloats(outPath);

            Assert.Equal(expected.Length, decoded.Count);
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(decoded[i]), $"Value {i}: tfjs {expected[i]:R}, ours {decoded[i]:R}.");
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Unknown_quantization_is_refused_naming_the_weight()
    {
        var exception = Assert.Throws<ModelImportException>(() => WeightSpec.Parse(
            JsonNode.Parse("""{"name":"conv/kernel","shape":[2],"dtype":"float32","quantization":{"dtype":"int4"}}""")!.AsObject()));

        Assert.Contains("conv/kernel", exception.Message, StringComparison.Ordinal);
        Assert.Contains("int4", exception.Message, StringComparison.Ordinal);
    }
}
