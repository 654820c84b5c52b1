using Moderation.ModelImport.Conversion;
using Moderation.ModelImport.Source;

namespace Moderation.ModelImport;

/// <summary>The command line: <c>--model mobilenet_v2|inception_v3|all|a,b [--out DIR] [--cache DIR] [--tarball FILE] [--offline] [--force]</c>.</summary>
internal static class ImportCommand
{
    private const string Usage = """
        Usage: model-import --model <mobilenet_v2|inception_v3|all|name,name> [options]
          --out DIR       write DIR/<model>/{model.onnx,model.json} (default: $MODERATION_MODEL_DIR, else <repo>/.data/models)
          --cache DIR     keep the verified npm tarball here (default: <repo>/.cache/model-import)
          --tarball FILE  use this package tarball instead of fetching it (its integrity is still checked)
          --offline       never touch the network: use --tarball, the cache or npm's own cache
          --force         import even when an up-to-date model is already there
          --node PATH     Node.js executable (default: node)
          --npm PATH      npm executable (default: npm)
          --list          list the importable models and supported layer types
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        Dictionary<string, string?> options;
        try
        {
            options = Parse(args);
        }
        catch (ArgumentException exception)
        {
            await error.WriteLineAsync($"{exception.Message}\n{Usage}");
            return 2;
        }

        if (options.ContainsKey("list"))
        {
            foreach (var model in ImportableModel.All)
            {
                await output.WriteLineAsync($"{model.Name}\t{model.Title} from {model.Package.Spec} ({model.Package.License})");
            }

            await output.WriteLineAsync($"Supported layer types: {string.Join(", ", KerasOnnxConverter.SupportedLayers.Order(StringComparer.Ordinal))}");
            return 0;
        }

        if (!options.TryGetValue("model", out var modelName) || modelName is null)
        {
            await error.WriteLineAsync(Usage);
            return 2;
        }

        var repository = FindRepositoryRoot();
        var fromEnvironment = Environment.GetEnvironmentVariable("MODERATION_MODEL_DIR");
        var outputRoot = options.GetValueOrDefault("out")
            ?? (string.IsNullOrEmpty(fromEnvironment) ? Path.Combine(repository, ".data", "models") : fromEnvironment);
        var cache = options.GetValueOrDefault("cache") ?? Path.Combine(repository, ".cache", "model-import");
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, eventArgs) =>
        {
            eventArgs.Cancel = true;
            cancellation.Cancel();
        };

        try
        {
            var models = modelName == "all"
                ? ImportableModel.All
                : modelName.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ImportableModel.Find).ToList();
            var importer = new ModelImporter(output);
            foreach (var model in models)
            {
                var request = new ImportRequest(
                    model,
                    outputRoot,
                    cache,
                    options.GetValueOrDefault("tarball"),
                    options.ContainsKey("offline"),
                    options.ContainsKey("force"),
                    options.GetValueOrDefault("node") ?? "node",
                    options.GetValueOrDefault("npm") ?? "npm");
                await importer.ImportAsync(request, cancellation.Token);
            }

            return 0;
        }
        catch (ModelImportException exception)
        {
            await error.WriteLineAsync($"model-import: {exception.Message}");
            return 1;
        }
    }

    private static Dictionary<string, string?> Parse(string[] args)
    {
        string[] flags = ["offline", "force", "list"];
        string[] valued = ["model", "out", "cache", "tarball", "node", "npm"];
        var options = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i].StartsWith("--", StringComparison.Ordinal) ? args[i][2..] : throw new ArgumentException($"Unexpected argument '{args[i]}'.");
            if (flags.Contains(name))
            {
                options[name] = null;
            }
            else if (valued.Contains(name))
            {
                options[name] = i + 1 < args.Length ? args[++i] : throw new ArgumentException($"--{name} needs a value.");
            }
            else
            {
                throw new ArgumentException($"Unknown option '--{name}'.");
            }
        }

        return options;
    }

    /// <summary>The checkout holding Moderation.sln above the working directory (dotnet run keeps the caller's).</summary>
    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(Environment.CurrentDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Moderation.sln")))
            {
                return directory.FullName;
            }
        }

        return Environment.CurrentDirectory;
    }
}
