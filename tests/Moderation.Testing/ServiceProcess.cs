using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Moderation.Testing;

/// <summary>
/// One of our ASP.NET Core services as a child process (the built assembly, as scripts/up runs it) listening on a
/// loopback port. By default the kernel picks the port (<c>--urls http://127.0.0.1:0</c>) and the address is read from
/// Kestrel's "Now listening on" line, so no other process can take the port between choosing and binding it.
/// </summary>
public sealed partial class ServiceProcess : IAsyncDisposable
{
    private readonly StreamWriter _log;
    private bool _closed;
    private readonly TaskCompletionSource<Uri> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServiceProcess(string name, Process process, StreamWriter log, string logPath)
    {
        Name = name;
        Process = process;
        _log = log;
        LogPath = logPath;
    }

    public string Name { get; }

    public Process Process { get; }

    public string LogPath { get; }

    public bool HasExited => Process.HasExited;

    /// <summary>The address the service listens on; only valid once <see cref="WaitReadyAsync"/> returned.</summary>
    public Uri BaseAddress => _address.Task.IsCompletedSuccessfully
        ? _address.Task.Result
        : throw new InvalidOperationException($"{Name} has not reported its address yet.");

    /// <summary>The port it listens on, once known.</summary>
    public int? Port => _address.Task.IsCompletedSuccessfully ? _address.Task.Result.Port : null;

    /// <summary>
    /// Starts <paramref name="assembly"/> with <paramref name="environment"/> on 127.0.0.1:<paramref name="port"/>
    /// (0: any free port), appending its stdout and stderr to <paramref name="logPath"/>.
    /// </summary>
    public static ServiceProcess Start(
        string name, string assembly, IReadOnlyDictionary<string, string> environment, string logPath, int port = 0, IEnumerable<string>? arguments = null)
    {
        var info = StartInfo(assembly, environment, ["--urls", $"http://127.0.0.1:{port}", .. arguments ?? []]);
        // The address is read from this line, whatever level the caller set for everything else.
        info.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logPath))!);
        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {name}.");
        var service = new ServiceProcess(name, process, log, logPath);
        process.OutputDataReceived += (_, e) => service.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => service.OnLine(e.Data);
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => service._address.TrySetException(new InvalidOperationException($"{name} exited before listening."));
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    /// <summary>The start information for one of our assemblies with <paramref name="environment"/> and production defaults.</summary>
    public static ProcessStartInfo StartInfo(string assembly, IReadOnlyDictionary<string, string> environment, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
        };
        info.ArgumentList.Add(assembly);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["DOTNET_gcServer"] = "0";
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        return info;
    }

    /// <summary>Whether the service failed to start because its port was taken (only possible with a fixed port).</summary>
    public bool FailedToBind => Process.HasExited && Log(200).Contains("address already in use", StringComparison.OrdinalIgnoreCase);

    /// <summary>Waits for the listening address, then for <c>/health/ready</c> to answer 2xx.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        Uri address;
        try
        {
            address = await _address.Task.WaitAsync(cts.Token);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
        {
            throw Failure(e is OperationCanceledException ? $"{Name} did not listen within {timeout}" : null);
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        while (true)
        {
            if (Process.HasExited)
            {
                throw Failure(null);
            }

            try
            {
                using var response = await http.GetAsync(new Uri(address, "/health/ready"), cts.Token);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (OperationCanceledException) when (!cts.IsCancellationRequested)
            {
                // One probe timed out; the overall deadline has not passed.
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{Name} not ready after {timeout}:\n{Log()}");
            }

            try
            {
                await Task.Delay(200, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{Name} not ready after {timeout}:\n{Log()}");
            }
        }
    }

    /// <summary>The tail of the service's log, for assertion messages.</summary>
    public string Log(int lines = 60) => Tail(LogPath, lines);

    /// <summary>The last <paramref name="lines"/> lines of a log that may still be written to.</summary>
    public static string Tail(string path, int lines = 60)
    {
        if (!File.Exists(path))
        {
            return "(no log)";
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return string.Join('\n', reader.ReadToEnd().Split('\n').TakeLast(lines));
    }

    /// <summary>kill -9 of the whole process tree, then wait for it to be gone.</summary>
    public void Kill()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
        }

        Process.WaitForExit();
    }

    /// <summary>SIGTERM and wait for a graceful exit; kill -9 after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (Process.HasExited)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(grace);
        try
        {
            await Process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
        }

        Process.Dispose();
        lock (_log)
        {
            _closed = true;
            _log.Dispose();
        }
    }

    private InvalidOperationException Failure(string? reason) =>
        new($"{reason ?? $"{Name} exited with {(Process.HasExited ? Process.ExitCode : -1)}"}:\n{Log()}");

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            // A process killed while its output is being read may race the writer's disposal.
            if (!_closed)
            {
                _log.WriteLine(line);
            }
        }

        if (!_address.Task.IsCompleted && ListeningLine().Match(line) is { Success: true } match)
        {
            _address.TrySetResult(new Uri(match.Groups[1].Value));
        }
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();
}
