using System.Diagnostics;

namespace Moderation.Results.Tests.Infrastructure;

/// <summary>
/// An entry point built next to the tests (<c>Moderation.Results.dll</c>, <c>Moderation.HeadTraining.dll</c>) run as its own
/// process, the way a Job or CronJob runs it: configured through the environment only.
/// </summary>
public static class EntryPoint
{
    public const string Results = "Moderation.Results.dll";
    public const string HeadTraining = "Moderation.HeadTraining.dll";

    /// <summary>No database anywhere: a command line that is wrong must be refused before anything is touched.</summary>
    public const string NoDatabase = "Host=127.0.0.1;Port=9;Database=nowhere;Username=nobody";

    /// <summary>Runs <paramref name="dll"/> with <paramref name="arguments"/>; its exit code, standard output and standard error.</summary>
    public static async Task<(int Code, string Output, string Errors)> RunAsync(string dll, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, dll));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (process.ExitCode, await output, await errors);
    }
}
