using System.CommandLine;
using Moderation.ModelImport.Conversion;
using Moderation.ModelImport.Source;
using Moderation.ServiceDefaults;

namespace Moderation.ModelImport;

/// <summary>What one run of the importer is asked to do, as the command line gave it.</summary>
/// <param name="Models">The models to import, in order.</param>
/// <param name="OutputRoot">Each model goes to <c>OutputRoot/&lt;model&gt;/{model.onnx,model.json}</c>.</param>
/// <param name="CacheDirectory">Where the verified npm tarball is kept.</param>
/// <param name="Tarball">A package tarball to use instead of fetching one (its integrity is still checked).</param>
/// <param name="Offline">Never touch the network.</param>
/// <param name="Force">Import even when an up-to-date model is already there.</param>
/// <param name="Node">The Node.js executable.</param>
/// <param name="Npm">The npm executable.</param>
internal sealed record ImportSettings(
    IReadOnlyList<ImportableModel> Models,
    string OutputRoot,
    string CacheDirectory,
    string? Tarball,
    bool Offline,
    bool Force,
    string Node,
    string Npm);

/// <summary>
/// The command line, on the shared command host (<see cref="ServiceCommandLine"/>):
/// <c>--model mobilenet_v2|inception_v3|all|a,b [--out DIR] [--cache DIR] [--tarball FILE] [--offline] [--force]
/// [--node PATH] [--npm PATH]</c>, or <c>--list</c>. A misspelt option, an unknown model or a tarball that is not there
/// is an error with usage and exit code 1; <c>--help</c> lists the options.
/// </summary>
internal static class ImportCommand
{
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error) =>
        ServiceCommandLine.InvokeAsync(
            Create((settings, cancellationToken) => ImportAsync(settings, output, error, cancellationToken)),
            args,
            new InvocationConfiguration { Output = output, Error = error });

    /// <summary>The command tree; <paramref name="import"/> runs what a valid command line asks for.</summary>
    public static RootCommand Create(Func<ImportSettings, CancellationToken, Task<int>> import)
    {
        var model = new Option<IReadOnlyList<ImportableModel>>("--model")
        {
            Description = $"The models to import: {string.Join(", ", ImportableModel.All.Select(m => m.Name))}, a comma-separated list of them, or all.",
            HelpName = "name[,name]|all",
            Arity = ArgumentArity.ExactlyOne,
            CustomParser = ParseModels,
        };
        var outputRoot = new Option<DirectoryInfo>("--out")
        {
            Description = "Write DIR/<model>/{model.onnx,model.json}; the default is $MODERATION_MODEL_DIR when set, else <repo>/.data/models.",
            HelpName = "DIR",
            DefaultValueFactory = _ => new DirectoryInfo(
                Environment.GetEnvironmentVariable("MODERATION_MODEL_DIR") is { Length: > 0 } fromEnvironment
                    ? fromEnvironment
                    : Path.Combine(FindRepositoryRoot(), ".data", "models")),
        };
        var cache = new Option<DirectoryInfo>("--cache")
        {
            Description = "Keep the verified npm tarball here.",
            HelpName = "DIR",
            DefaultValueFactory = _ => new DirectoryInfo(Path.Combine(FindRepositoryRoot(), ".cache", "model-import")),
        };
        var tarball = new Option<FileInfo>("--tarball")
        {
            Description = "Use this package tarball instead of fetching it (its integrity is still checked).",
            HelpName = "FILE",
        };
        tarball.AcceptExistingOnly();
        var offline = new Option<bool>("--offline") { Description = "Never touch the network: use --tarball, the cache or npm's own cache." };
        var force = new Option<bool>("--force") { Description = "Import even when an up-to-date model is already there." };
        var node = new Option<string>("--node") { Description = "The Node.js executable.", HelpName = "PATH", DefaultValueFactory = _ => "node" };
        var npm = new Option<string>("--npm") { Description = "The npm executable.", HelpName = "PATH", DefaultValueFactory = _ => "npm" };
        var list = new Option<bool>("--list") { Description = "List the importable models and the supported layer types, and import nothing." };

        var root = new RootCommand("Imports the nsfwjs TensorFlow.js layers-models into ONNX plus a model manifest (model.json).")
        {
            model, outputRoot, cache, tarball, offline, force, node, npm, list,
        };
        root.Validators.Add(result =>
        {
            if (result.GetResult(model) is null && !result.GetValue(list))
            {
                result.AddError("Option '--model' is required (or --list).");
            }
        });
        root.SetAction(async (result, cancellationToken) =>
        {
            if (result.GetValue(list))
            {
                await ListAsync(result.InvocationConfiguration.Output);
                return 0;
            }

            return await import(
                new ImportSettings(
                    result.GetRequiredValue(model),
                    result.GetRequiredValue(outputRoot).FullName,
                    result.GetRequiredValue(cache).FullName,
                    result.GetValue(tarball)?.FullName,
                    result.GetValue(offline),
                    result.GetValue(force),
                    result.GetRequiredValue(node),
                    result.GetRequiredValue(npm)),
                cancellationToken);
        });
        return root;
    }

    private static async Task<int> ImportAsync(ImportSettings settings, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        try
        {
            var importer = new ModelImporter(output);
            foreach (var model in settings.Models)
            {
                await importer.ImportAsync(
                    new ImportRequest(model, settings.OutputRoot, settings.CacheDirectory, settings.Tarball, settings.Offline, settings.Force, settings.Node, settings.Npm),
                    cancellationToken);
            }

            return 0;
        }
        catch (ModelImportException exception)
        {
            await error.WriteLineAsync($"model-import: {exception.Message}");
            return 1;
        }
    }

    private static async Task ListAsync(TextWriter output)
    {
        foreach (var model in ImportableModel.All)
        {
            await output.WriteLineAsync($"{model.Name}\t{model.Title} from {model.Package.Spec} ({model.Package.License})");
        }

        await output.WriteLineAsync($"Supported layer types: {string.Join(", ", KerasOnnxConverter.SupportedLayers.Order(StringComparer.Ordinal))}");
    }

    /// <summary><c>all</c>, or known model names separated by commas (each once, in the order given).</summary>
    private static IReadOnlyList<ImportableModel> ParseModels(System.CommandLine.Parsing.ArgumentResult result)
    {
        if (result.Tokens is not [.., var token])
        {
            return [];
        }

        if (token.Value == "all")
        {
            return ImportableModel.All;
        }

        var models = new List<ImportableModel>();
        var unknown = false;
        foreach (var name in token.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            try
            {
                var found = ImportableModel.Find(name);
                if (!models.Contains(found))
                {
                    models.Add(found);
                }
            }
            catch (ModelImportException exception)
            {
                result.AddError(exception.Message);
                unknown = true;
            }
        }

        if (models.Count == 0 && !unknown)
        {
            result.AddError($"--model names no model: give one of {string.Join(", ", ImportableModel.All.Select(m => m.Name))}, or all.");
        }

        return models;
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
