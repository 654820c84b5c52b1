using System.Diagnostics;

namespace Moderation.ModelImport.Source;

/// <summary>Runs npm and node, the only external programs the importer uses.</summary>
internal static class ExternalProcess
{
    public static async Task<string> RunAsync(string fileName, IEnumerable<string> arguments, string workingDirectory, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = StartOrExplain(startInfo);
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        if (process.ExitCode != 0)
        {
            throw new ModelImportException($"'{fileName} {string.Join(' ', startInfo.ArgumentList)}' failed with exit code {process.ExitCode}: {(await stderr).Trim()}");
        }

        return await stdout;
    }

    private static Process StartOrExplain(ProcessStartInfo startInfo)
    {
        try
        {
            return Process.Start(startInfo) ?? throw new ModelImportException($"{startInfo.FileName} did not start.");
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new ModelImportException($"Cannot run '{startInfo.FileName}' ({exception.Message}); Node.js and npm must be installed (apt-get install -y nodejs npm).");
        }
    }
}
