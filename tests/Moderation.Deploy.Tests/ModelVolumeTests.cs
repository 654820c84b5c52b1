using System.Text.RegularExpressions;
using Moderation.Testing;
using Xunit;

namespace Moderation.Deploy.Tests;

/// <summary>The model reaches every pod that reads it, at the path its options name, from the model image.</summary>
public sealed partial class ModelVolumeTests
{
    public static TheoryData<string> Overlays => new(Kubectl.Overlays);

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Every_manifest_path_lies_in_a_volume_the_model_image_fills(string overlay)
    {
        var objects = await Kubectl.RenderAsync($"overlays/{overlay}");
        var model = ModelImage();
        var checkedPaths = 0;
        foreach (var container in RenderedContainer.All(objects.OfKind("Deployment")).Where(c => !c.IsInit && c.Service is not null))
        {
            foreach (var variable in container.Environment(objects).Where(v => v.Name.EndsWith("__ManifestPath", StringComparison.Ordinal)))
            {
                checkedPaths++;
                var mount = container.Container["volumeMounts"]?.AsArray()
                    .FirstOrDefault(m => variable.Value!.StartsWith(m!["mountPath"].Text() + "/", StringComparison.Ordinal));
                Assert.True(mount is not null, $"{container.Describe}: {variable.Name}={variable.Value} is on no mounted volume");
                var relative = variable.Value![(mount["mountPath"].Text().Length + 1)..];
                Assert.Equal($"{model.DefaultModel}/model.json", relative);

                var filler = RenderedContainer.All([container.Workload]).SingleOrDefault(c => c.IsInit &&
                    c.Container["volumeMounts"]?.AsArray().Any(m => m!["name"].Text() == mount["name"].Text() && m["mountPath"].Text() == model.TargetDirectory) == true);
                Assert.True(filler is not null, $"{container.Describe}: no init container copies the model into volume {mount["name"]} at {model.TargetDirectory}");
                Assert.Null(filler.Service);
                Assert.Contains("model", filler.Image, StringComparison.Ordinal);
            }
        }

        // Only the classifier reads the model: frames leave the extractor at their own resolution.
        Assert.Equal(1, checkedPaths);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Every_blob_store_is_the_shared_media_volume_or_a_bucket(string overlay)
    {
        var objects = await Kubectl.RenderAsync($"overlays/{overlay}");
        var stores = 0;
        // The serving containers; the migrate commands never open the blob store.
        foreach (var container in RenderedContainer.All(objects.OfKind("Deployment")).Where(c => !c.IsInit))
        {
            var environment = container.Environment(objects).ToDictionary(v => v.Name, v => v.Value);
            if (!environment.TryGetValue("BlobStore__Kind", out var kind))
            {
                continue;
            }

            stores++;
            var claims = container.PodSpec["volumes"]?.AsArray().Select(v => v!["persistentVolumeClaim"]?["claimName"]?.GetValue<string>()) ?? [];
            if (kind == "s3")
            {
                Assert.False(string.IsNullOrEmpty(environment.GetValueOrDefault("BlobStore__S3__Bucket")), $"{container.Describe}: the s3 store needs BlobStore__S3__Bucket");
                Assert.DoesNotContain("moderation-media", claims);
                continue;
            }

            Assert.Equal("filesystem", kind);
            var root = environment.GetValueOrDefault("BlobStore__Root") ?? "";
            var mount = container.Container["volumeMounts"]?.AsArray().FirstOrDefault(m => m!["mountPath"].Text() == root);
            Assert.True(mount is not null, $"{container.Describe}: BlobStore__Root={root} is not a mount point");
            var volume = container.PodSpec["volumes"]!.AsArray().Single(v => v!["name"].Text() == mount["name"].Text());
            Assert.Equal("moderation-media", volume!["persistentVolumeClaim"]?["claimName"].Text());
        }

        Assert.True(stores >= 3, "ingest, frame-extractor and dashboard all use the blob store");
    }

    [Fact]
    public void Every_path_a_Dockerfile_copies_from_the_repository_exists()
    {
        foreach (var dockerfile in Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "deploy", "docker"), "*.Dockerfile"))
        {
            foreach (Match copy in CopyFromContext().Matches(File.ReadAllText(dockerfile)))
            {
                foreach (var source in copy.Groups["sources"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    var path = Path.Combine(RepoPaths.Root, source.TrimEnd('/'));
                    Assert.True(File.Exists(path) || Directory.Exists(path), $"{Path.GetFileName(dockerfile)} copies {source}, which does not exist");
                }
            }
        }
    }

    private static (string DefaultModel, string TargetDirectory) ModelImage()
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "docker", "model.Dockerfile"));
        return (DefaultModelArgument().Match(text).Groups[1].Value, CopyTarget().Match(text).Groups[1].Value);
    }

    // COPY instructions without --from: their sources are paths in the build context (the repository root).
    [GeneratedRegex(@"^COPY (?!--from)(?:--\S+ )*(?<sources>.+) \S+$", RegexOptions.Multiline)]
    private static partial Regex CopyFromContext();

    [GeneratedRegex(@"^ARG MODEL=(\S+)$", RegexOptions.Multiline)]
    private static partial Regex DefaultModelArgument();

    [GeneratedRegex(@"cp -R /models/\. (/[a-z-]+)/")]
    private static partial Regex CopyTarget();
}
