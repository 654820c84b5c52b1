using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;
using Moderation.BlobStorage;

namespace Moderation.Testing;

/// <summary>
/// A real S3-compatible server on loopback, one per test process: the one named by <c>MODERATION_S3_URL</c> (with
/// <c>MODERATION_S3_ACCESS_KEY</c>/<c>MODERATION_S3_SECRET_KEY</c>), else MinIO through Testcontainers where a Docker engine
/// answers, else s3rver (npm, pinned in <c>tests/s3rver</c>) as a child process.
/// </summary>
public sealed partial class S3Server
{
    private static readonly Lazy<Task<S3Server>> Shared = new(StartAsync);

    private S3Server(string serviceUrl, string accessKey, string secretKey, string name, bool wholeMultipartApi)
    {
        ServiceUrl = serviceUrl;
        AccessKey = accessKey;
        SecretKey = secretKey;
        Name = name;
        ImplementsWholeMultipartApi = wholeMultipartApi;
    }

    public string ServiceUrl { get; }

    public string AccessKey { get; }

    public string SecretKey { get; }

    /// <summary>Which server this is, for messages.</summary>
    public string Name { get; }

    /// <summary>
    /// Whether the server implements the whole multipart API — listing and aborting uploads, UploadPartCopy — which
    /// s3rver does not.
    /// </summary>
    public bool ImplementsWholeMultipartApi { get; }

    public static Task<S3Server> GetAsync() => Shared.Value;

    /// <summary>A bucket name no other test uses (S3 rules: 3–63 lowercase letters, digits and hyphens).</summary>
    public static string NewBucketName(string purpose) => $"{purpose}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";

    /// <summary>Settings for a service (env-var keys) that put its blobs into <paramref name="bucket"/> on this server.</summary>
    public Dictionary<string, string> ServiceSettings(string bucket) => new()
    {
        ["BlobStore__Kind"] = "s3",
        ["BlobStore__S3__ServiceUrl"] = ServiceUrl,
        ["BlobStore__S3__Bucket"] = bucket,
        ["BlobStore__S3__AccessKey"] = AccessKey,
        ["BlobStore__S3__SecretKey"] = SecretKey,
        ["BlobStore__S3__CreateBucket"] = "true",
    };

    /// <summary>Options of an S3 store on this server, in <paramref name="bucket"/>.</summary>
    public BlobStoreOptions StoreOptions(string bucket, Action<S3BlobStoreOptions>? configure = null)
    {
        var s3 = new S3BlobStoreOptions { ServiceUrl = ServiceUrl, Bucket = bucket, AccessKey = AccessKey, SecretKey = SecretKey };
        configure?.Invoke(s3);
        return new BlobStoreOptions { Kind = BlobStoreOptions.S3Kind, S3 = s3 };
    }

    /// <summary>An S3 store on this server with its own new bucket.</summary>
    public async Task<S3BlobStore> CreateStoreAsync(string purpose, Action<S3BlobStoreOptions>? configure = null)
    {
        var store = new S3BlobStore(Microsoft.Extensions.Options.Options.Create(StoreOptions(NewBucketName(purpose), configure)),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<S3BlobStore>.Instance);
        await store.EnsureBucketAsync(CancellationToken.None);
        return store;
    }

    private static async Task<S3Server> StartAsync()
    {
        var url = Environment.GetEnvironmentVariable("MODERATION_S3_URL");
        if (!string.IsNullOrEmpty(url))
        {
            return new S3Server(url, Environment.GetEnvironmentVariable("MODERATION_S3_ACCESS_KEY") ?? "",
                Environment.GetEnvironmentVariable("MODERATION_S3_SECRET_KEY") ?? "", "configured", wholeMultipartApi: true);
        }

        return await TestServers.DockerIsAvailableAsync() ? await StartMinioAsync() : await StartS3rverAsync();
    }

    private static async Task<S3Server> StartMinioAsync()
    {
        const string user = "moderation", password = "moderation-secret";
        IContainer minio = new ContainerBuilder("minio/minio:RELEASE.2025-04-22T22-12-26Z")
            .WithCommand("server", "/data")
            .WithEnvironment("MINIO_ROOT_USER", user)
            .WithEnvironment("MINIO_ROOT_PASSWORD", password)
            .WithPortBinding(9000, assignRandomHostPort: true)
            .WithWaitStrategy(Wait.ForUnixContainer().UntilHttpRequestIsSucceeded(r => r.ForPort(9000).ForPath("/minio/health/ready")))
            .Build();
        await minio.StartAsync();
        return new S3Server($"http://127.0.0.1:{minio.GetMappedPublicPort(9000)}", user, password, "MinIO (Testcontainers)", wholeMultipartApi: true);
    }

    private static async Task<S3Server> StartS3rverAsync()
    {
        var dir = Path.Combine(RepoPaths.Root, "tests", "s3rver");
        if (!File.Exists(Path.Combine(dir, "node_modules", "s3rver", "package.json")))
        {
            // flock: several test assemblies may start at once; the first installs (npm ci checks the lock file's
            // integrity hashes), the rest find it installed.
            await ProcessRunner.RunAsync("flock", [Path.Combine(dir, ".install.lock"), "sh", "-c",
                "[ -f node_modules/s3rver/package.json ] || npm ci --no-audit --no-fund --loglevel=error"], TimeSpan.FromMinutes(5), workingDirectory: dir);
        }

        var data = Directory.CreateTempSubdirectory("moderation-s3rver-").FullName;
        var info = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dir,
        };
        info.ArgumentList.Add("serve.js");
        info.ArgumentList.Add(data);
        info.ArgumentList.Add(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start s3rver.");
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Text.StringBuilder();
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(line);
            }

            if (ListeningLine().Match(line) is { Success: true } match)
            {
                listening.TrySetResult(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                process.Kill(entireProcessTree: true);
                Directory.Delete(data, recursive: true);
            }
            catch (Exception e) when (e is InvalidOperationException or IOException)
            {
            }
        };

        var exited = process.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var first = await Task.WhenAny(listening.Task, exited, Task.Delay(Timeout.Infinite, timeout.Token).ContinueWith(_ => { }, TaskScheduler.Default));
        if (first != listening.Task)
        {
            lock (output)
            {
                throw new InvalidOperationException($"s3rver did not start: {output}");
            }
        }

        return new S3Server($"http://127.0.0.1:{await listening.Task}", "S3RVER", "S3RVER", "s3rver", wholeMultipartApi: false);
    }

    [GeneratedRegex(@"S3rver listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningLine();
}
