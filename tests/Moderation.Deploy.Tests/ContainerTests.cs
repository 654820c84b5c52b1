using System.Text.RegularExpressions;
using Moderation.Testing;
using Xunit;

namespace Moderation.Deploy.Tests;

/// <summary>The Dockerfiles and the compose file against the services' code and scripts/up.</summary>
public sealed partial class ContainerTests
{
    private static readonly string DockerDirectory = Path.Combine(RepoPaths.Root, "deploy", "docker");

    /// <summary>Keys scripts/up sets that containers deliberately leave out, and why.</summary>
    private static readonly Dictionary<string, string> NotMirrored = new(StringComparer.Ordinal)
    {
        // scripts/up publishes feedback heads into the local model directory; in containers the model volume belongs to
        // the model image, and heads stay in the database (GET /models/heads/{version}).
        ["FeedbackHead__OutputDirectory"] = "heads stay in the database",

        // scripts/up migrates each database as its service starts; compose runs the ingest-migrate and results-migrate
        // one-shots before the services instead, so the services keep the default (false).
        ["Database__MigrateOnStart"] = "the *-migrate one-shots migrate",

        // scripts/up creates the benchmarks' own client (bench/ runs against the scripts/up stack only), whose stills the
        // model always judges; a compose deployment has no such client.
        ["Banks__ClientNearDuplicateDistance__bench"] = "the benchmarks run against the scripts/up stack",
    };

    public static TheoryData<string> ServiceDockerfiles => new(
        Directory.EnumerateFiles(DockerDirectory, "*.Dockerfile").Select(Path.GetFileName).OfType<string>()
            .Where(f => f != "model.Dockerfile").Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(ServiceDockerfiles))]
    public void Dockerfile_runs_its_service_unprivileged_with_a_health_check_and_known_options(string dockerfile)
    {
        var text = File.ReadAllText(Path.Combine(DockerDirectory, dockerfile));
        var service = ServiceCatalog.Get(dockerfile.Replace("-gpu", "", StringComparison.Ordinal).Replace(".Dockerfile", "", StringComparison.Ordinal));

        Assert.Contains($"ENTRYPOINT [\"dotnet\", \"{service.Assembly.GetName().Name}.dll\"]", text, StringComparison.Ordinal);
        Assert.Contains($"dotnet publish services/", text, StringComparison.Ordinal);
        Assert.Matches(new Regex(@"^USER (\$APP_UID|1654)\s*$", RegexOptions.Multiline), text);
        // The service probes itself (no curl or shell in the image): HealthProbe asks its own /health/live.
        Assert.Contains($"CMD [\"dotnet\", \"{service.Assembly.GetName().Name}.dll\", \"{ServiceDefaults.HealthProbe.Option}\"]", text, StringComparison.Ordinal);
        Assert.DoesNotMatch(new Regex(@"\bcurl\b.*http"), text);
        Assert.Contains("ASPNETCORE_HTTP_PORTS=8080", text, StringComparison.Ordinal);
        Assert.True(Regex.Count(text, "^FROM ", RegexOptions.Multiline) >= 2, "multi-stage: the SDK stays out of the runtime image");

        var problems = EnvInstructions(text)
            .Where(name => !name.StartsWith("NVIDIA_", StringComparison.Ordinal) && name != "APP_UID")
            .Select(name => ConfigurationRules.Check(service, name, new HashSet<string>()))
            .OfType<string>()
            .ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>Images whose runtime needs packages from apt, so they cannot be chiseled: ffmpeg and prlimit, CUDA.</summary>
    private static readonly HashSet<string> FullRuntimeImages = new(StringComparer.Ordinal) { "frame-extractor.Dockerfile", "classifier-gpu.Dockerfile" };

    [Theory]
    [MemberData(nameof(ServiceDockerfiles))]
    public void Dockerfile_runs_on_the_chiseled_runtime_unless_it_needs_packages_and_takes_a_pinnable_base(string dockerfile)
    {
        var text = File.ReadAllText(Path.Combine(DockerDirectory, dockerfile));
        var runtime = Regex.Matches(text, @"^FROM (\S+)", RegexOptions.Multiline).Last().Groups[1].Value;
        if (FullRuntimeImages.Contains(dockerfile))
        {
            Assert.DoesNotContain("chiseled", runtime, StringComparison.Ordinal);
            return;
        }

        // One build argument names the runtime image, so a digest can pin it (docs/deploy.md).
        Assert.Equal("${RUNTIME_IMAGE}", runtime);
        Assert.Matches(new Regex(@"^ARG RUNTIME_IMAGE=mcr\.microsoft\.com/dotnet/aspnet:\$\{DOTNET_VERSION\}-noble-chiseled$", RegexOptions.Multiline), text);
        // No shell in the final stage: every instruction after its FROM is one that needs none.
        var final = text[text.LastIndexOf("\nFROM ", StringComparison.Ordinal)..];
        Assert.DoesNotMatch(new Regex(@"^(RUN|SHELL) ", RegexOptions.Multiline), final);
        Assert.DoesNotMatch(new Regex(@"^(HEALTHCHECK .*\n\s*)?CMD [^\[]", RegexOptions.Multiline), final);
    }

    [Fact]
    public void Gpu_classifier_image_builds_the_onnx_runtime_gpu_flavour_on_a_cuda_runtime()
    {
        var text = File.ReadAllText(Path.Combine(DockerDirectory, "classifier-gpu.Dockerfile"));

        Assert.Contains("-p:OnnxRuntimeFlavor=Gpu", text, StringComparison.Ordinal);
        Assert.Contains("ldd /app/libonnxruntime_providers_cuda.so", text, StringComparison.Ordinal);
        Assert.Matches(new Regex(@"ARG CUDA_IMAGE=nvidia/cuda:1[0-9]\.[0-9.]+-cudnn-runtime-"), text);
        var flavour = File.ReadAllText(Path.Combine(RepoPaths.Root, "Directory.Packages.props"));
        Assert.Contains("OnnxRuntimeFlavor", flavour, StringComparison.Ordinal);
    }

    [Fact]
    public void Compose_sets_only_options_the_services_bind_and_mirrors_scripts_up()
    {
        var services = ComposeFile.Services();
        var problems = new List<string>();
        var local = LocalEnvironmentKeys();

        foreach (var (name, compose) in services)
        {
            var environment = compose.EffectiveEnvironment;
            if (ServiceCatalog.ForImage(compose.Image) is not { } service)
            {
                continue;
            }

            problems.AddRange(environment.Keys
                .Select(key => ConfigurationRules.Check(service, key, new HashSet<string>()))
                .OfType<string>()
                .Select(p => $"compose service {name}: {p}"));

            // Every option the scripts give the service, the compose file gives it too. (Keys the service does not bind are
            // the scripts' leftovers.)
            if (local.TryGetValue(service.Name, out var keys))
            {
                problems.AddRange(keys
                    .Where(k => ConfigurationRules.Check(service, k, new HashSet<string>()) is null && !environment.ContainsKey(k) && !NotMirrored.ContainsKey(k))
                    .Select(k => $"compose service {name}: scripts/lib/services.sh sets {k} for {service}, compose does not"));
            }
        }

        foreach (var service in ServiceCatalog.All)
        {
            Assert.True(services.Values.Any(s => ServiceCatalog.ForImage(s.Image) == service), $"compose runs no {service}");
        }

        // Paths in the configuration lie on the volumes that hold them: blobs on the shared volume, the model on the model volume.
        foreach (var (name, compose) in services.Where(s => !s.Key.EndsWith("-migrate", StringComparison.Ordinal)))
        {
            var mounts = compose.Volumes;
            foreach (var (key, value) in compose.EffectiveEnvironment.Where(kv => kv.Key is "BlobStore__Root" || kv.Key.EndsWith("__ManifestPath", StringComparison.Ordinal)))
            {
                var volume = key == "BlobStore__Root" ? "blobs" : "models";
                if (!mounts.Any(m => m.Volume == volume && (value == m.Path || value.StartsWith(m.Path + "/", StringComparison.Ordinal))))
                {
                    problems.Add($"compose service {name}: {key}={value} is not on the {volume} volume");
                }
            }
        }

        Assert.Contains("ingest-migrate", services.Keys);
        Assert.Contains("results-migrate", services.Keys);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [SkippableFact]
    public async Task Container_images_build_with_docker()
    {
        string engine;
        try
        {
            engine = await ProcessRunner.RunAsync("docker", ["info", "--format", "{{.ServerVersion}}"], TimeSpan.FromSeconds(20));
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            Skip.If(true, $"No Docker engine answers `docker info`, so the images in deploy/docker were not built: {e.Message.Split('\n')[0]}");
            return;
        }

        Assert.False(string.IsNullOrWhiteSpace(engine));
        foreach (var dockerfile in Directory.EnumerateFiles(DockerDirectory, "*.Dockerfile").Order(StringComparer.Ordinal))
        {
            var tag = "moderation-test-" + Path.GetFileName(dockerfile).Replace(".Dockerfile", "", StringComparison.Ordinal);
            await ProcessRunner.RunAsync("docker", ["build", "-f", dockerfile, "-t", tag, RepoPaths.Root], TimeSpan.FromMinutes(30));
            var user = await ProcessRunner.RunAsync("docker", ["image", "inspect", "--format", "{{.Config.User}}", tag], TimeSpan.FromMinutes(1));
            Assert.NotEqual("", user.Trim());
            Assert.NotEqual("root", user.Trim());
        }
    }

    private static IEnumerable<string> EnvInstructions(string dockerfile)
    {
        var joined = dockerfile.Replace("\\\n", " ", StringComparison.Ordinal);
        foreach (Match instruction in EnvInstruction().Matches(joined))
        {
            foreach (Match assignment in EnvAssignment().Matches(instruction.Groups[1].Value))
            {
                yield return assignment.Groups[1].Value;
            }
        }
    }

    /// <summary>The configuration keys scripts/lib/services.sh gives each service when scripts/up runs it locally.</summary>
    private static Dictionary<string, List<string>> LocalEnvironmentKeys()
    {
        var script = File.ReadAllText(Path.Combine(RepoPaths.Root, "scripts", "lib", "services.sh"));
        var body = script[script.IndexOf("service_env()", StringComparison.Ordinal)..];
        body = body[..body.IndexOf("\n}", StringComparison.Ordinal)];
        var common = new List<string>();
        var perService = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        List<string> current = common;
        foreach (var line in body.Split('\n').Select(l => l.Trim()))
        {
            if (CaseLabel().Match(line) is { Success: true } label)
            {
                current = perService[label.Groups[1].Value] = [];
            }
            else if (EchoAssignment().Match(line) is { Success: true } echo)
            {
                current.Add(echo.Groups[1].Value);
            }
        }

        Assert.NotEmpty(common);
        Assert.Equal(ServiceCatalog.All.Select(s => s.Name).Order(StringComparer.Ordinal), perService.Keys.Order(StringComparer.Ordinal));
        return perService.ToDictionary(kv => kv.Key, kv => common.Concat(kv.Value).ToList(), StringComparer.Ordinal);
    }

    [GeneratedRegex(@"^ENV\s+(.+)$", RegexOptions.Multiline)]
    private static partial Regex EnvInstruction();

    [GeneratedRegex(@"([A-Za-z_][A-Za-z0-9_]*)=")]
    private static partial Regex EnvAssignment();

    [GeneratedRegex(@"^([a-z-]+)\)$")]
    private static partial Regex CaseLabel();

    [GeneratedRegex(@"^echo ""([A-Za-z_][A-Za-z0-9_]*)=")]
    private static partial Regex EchoAssignment();
}
