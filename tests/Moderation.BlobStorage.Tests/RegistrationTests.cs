using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Moderation.Testing;

namespace Moderation.BlobStorage.Tests;

/// <summary><c>AddBlobStore</c> picks the store named by <c>BlobStore:Kind</c> and refuses settings that cannot work.</summary>
public sealed class RegistrationTests
{
    [Fact]
    public void Filesystem_is_the_default()
    {
        using var host = Build(new() { ["BlobStore:Root"] = Path.GetTempPath() });
        Assert.IsType<FileSystemBlobStore>(host.Services.GetRequiredService<IBlobStore>());
    }

    [Theory]
    [InlineData("BlobStore:Kind", "ftp", "BlobStore:Kind must be 'filesystem' or 's3', not 'ftp'.")]
    [InlineData("BlobStore:Kind", "filesystem", "BlobStore:Root is required for the filesystem store.")]
    [InlineData("BlobStore:Kind", "s3", "BlobStore:S3:Bucket is required for the s3 store.")]
    public void Settings_that_cannot_work_fail_validation_with_a_clear_message(string key, string value, string message)
    {
        using var host = Build(new() { [key] = value });
        var e = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<BlobStoreOptions>>().Value);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("BlobStore:S3:PartSizeBytes", "1048576", "BlobStore:S3:PartSizeBytes must be between 5 MiB and 512 MiB.")]
    [InlineData("BlobStore:S3:MaxSingleCopyBytes", "6000000000", "BlobStore:S3:MaxSingleCopyBytes must be between 5 MiB and 5 GiB.")]
    [InlineData("BlobStore:S3:SecretKey", "only-the-secret", "BlobStore:S3:AccessKey and SecretKey are set together or not at all.")]
    [InlineData("BlobStore:S3:ServiceUrl", "not a url", "BlobStore:S3:ServiceUrl must be an absolute URL.")]
    public void S3_settings_are_checked(string key, string value, string message)
    {
        using var host = Build(new() { ["BlobStore:Kind"] = "s3", ["BlobStore:S3:Bucket"] = "media", [key] = value });
        var e = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<BlobStoreOptions>>().Value);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task S3_kind_creates_its_bucket_at_start_and_reports_ready_only_while_the_bucket_answers()
    {
        var server = await S3Server.GetAsync();
        var bucket = S3Server.NewBucketName("registration");
        var settings = server.ServiceSettings(bucket).ToDictionary(e => e.Key.Replace("__", ":", StringComparison.Ordinal), e => (string?)e.Value);
        using var host = Build(settings);

        await host.StartAsync();
        var store = Assert.IsType<S3BlobStore>(host.Services.GetRequiredService<IBlobStore>());
        await store.PutAsync("media/probe", new MemoryStream([42]), CancellationToken.None);
        var ready = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        await host.StopAsync();

        Assert.Equal(HealthStatus.Healthy, ready.Status);
        Assert.True(await store.ExistsAsync("media/probe", CancellationToken.None));

        settings["BlobStore:S3:Bucket"] = S3Server.NewBucketName("missing");
        settings["BlobStore:S3:CreateBucket"] = "false";
        using var missing = Build(settings);
        var report = await missing.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Unhealthy, report.Entries["blob-store"].Status);
    }

    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddLogging();
        builder.AddBlobStore();
        return builder.Build();
    }
}
