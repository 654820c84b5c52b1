using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Moderation.Testing;

/// <summary>
/// A real MediaWiki (Debian's <c>mediawiki</c> package, SQLite) with the ModerationCluster extension, installed into a
/// scratch directory by <c>integrations/mediawiki/test-wiki/install.sh</c> and served on loopback by PHP's built-in
/// server with several workers (serve.sh). Tests drive it only through MediaWiki's own action API, as an uploader and
/// reader would, logged in as its administrator.
/// </summary>
public sealed class TestWiki : IAsyncDisposable
{
    public const string AdminPassword = "moderation-wiki-admin-1";

    private static readonly string Scripts = Path.Combine(RepoPaths.Root, "integrations", "mediawiki", "test-wiki");

    private readonly HttpClient _http;
    private readonly Lock _logLock = new();
    private Process? _server;

    private TestWiki(string directory, int port)
    {
        Directory = directory;
        Port = port;
        _http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}/"),
            Timeout = TimeSpan.FromMinutes(3),
        };
    }

    public string Directory { get; }

    public int Port { get; }

    public Uri BaseAddress => _http.BaseAddress!;

    /// <summary>
    /// Installs a wiki (about 15 s: MediaWiki's installer, then update.php creating the extension's table) whose
    /// extension signs upload hooks with <paramref name="hookSecret"/> as <paramref name="clientId"/> and verifies
    /// callbacks with <paramref name="callbackSecret"/>. It is not served yet: <see cref="StartAsync"/> does that,
    /// once <see cref="ConfigureHookUrl"/> has named ingest.
    /// </summary>
    public static async Task<TestWiki> InstallAsync(string clientId, string hookSecret, string callbackSecret)
    {
        if (!File.Exists("/usr/share/mediawiki/maintenance/install.php") || !File.Exists("/usr/bin/php"))
        {
            throw new InvalidOperationException("MediaWiki and PHP are missing: install the Debian packages mediawiki, php-cli, php-sqlite3 (scripts/test does).");
        }

        var wiki = new TestWiki(System.IO.Directory.CreateTempSubdirectory("moderation-wiki-").FullName, FreePort());
        await ProcessRunner.RunAsync(Path.Combine(Scripts, "install.sh"),
            [wiki.Directory, wiki.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "", clientId, hookSecret, callbackSecret, AdminPassword],
            TimeSpan.FromMinutes(3));
        return wiki;
    }

    /// <summary>Points the extension at ingest's upload hook.</summary>
    public Task ConfigureHookUrl(Uri hookUrl) =>
        File.AppendAllTextAsync(Path.Combine(Directory, "LocalSettings.php"), $"\n$wgModerationClusterHookUrl = '{hookUrl}';\n");

    /// <summary>Serves the wiki and logs in as its administrator.</summary>
    public async Task StartAsync(int workers = 4)
    {
        var info = new ProcessStartInfo(Path.Combine(Scripts, "serve.sh"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Directory);
        info.ArgumentList.Add(Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        info.ArgumentList.Add(workers.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _server = Process.Start(info) ?? throw new InvalidOperationException("Could not start PHP's built-in server.");
        var log = Path.Combine(Directory, "server.log");
        _ = PumpAsync(_server.StandardOutput, log);
        _ = PumpAsync(_server.StandardError, log);

        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            try
            {
                using var response = await _http.GetAsync("api.php?action=query&meta=siteinfo&format=json");
                if (response.IsSuccessStatusCode)
                {
                    break;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline && !_server.HasExited)
            {
            }

            if (DateTime.UtcNow > deadline || _server.HasExited)
            {
                throw new InvalidOperationException($"The wiki did not answer on port {Port}: {Tail("server.log")}");
            }

            await Task.Delay(100);
        }

        var loginToken = (await ApiAsync("action=query&meta=tokens&type=login"))["query"]!["tokens"]!["logintoken"]!.GetValue<string>();
        var login = await PostAsync(new Dictionary<string, string>
        {
            ["action"] = "clientlogin",
            ["username"] = "Admin",
            ["password"] = AdminPassword,
            ["logintoken"] = loginToken,
            ["loginreturnurl"] = BaseAddress.ToString(),
        });
        if (login["clientlogin"]?["status"]?.GetValue<string>() != "PASS")
        {
            throw new InvalidOperationException($"Logging in to the wiki failed: {login}");
        }
    }

    /// <summary>Uploads a file through the action API as the administrator.</summary>
    public async Task<WikiUpload> UploadAsync(string path, string fileName, string text = "")
    {
        var token = (await ApiAsync("action=query&meta=tokens"))["query"]!["tokens"]!["csrftoken"]!.GetValue<string>();
        using var form = new MultipartFormDataContent
        {
            { new StringContent("upload"), "action" },
            { new StringContent(fileName), "filename" },
            { new StringContent(text), "text" },
            { new StringContent("json"), "format" },
            { new StringContent(token), "token" },
            { new ByteArrayContent(await File.ReadAllBytesAsync(path)), "file", fileName },
        };
        using var response = await _http.PostAsync("api.php", form);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        if (answer["upload"]?["result"]?.GetValue<string>() != "Success")
        {
            throw new InvalidOperationException($"Upload of {fileName} failed: {answer}");
        }

        var dbKey = answer["upload"]!["filename"]!.GetValue<string>();
        var timestamp = answer["upload"]!["imageinfo"]!["timestamp"]!.GetValue<DateTimeOffset>();
        return new WikiUpload("File:" + dbKey.Replace('_', ' '), $"File:{dbKey}/{timestamp.UtcDateTime:yyyyMMddHHmmss}");
    }

    /// <summary>The categories MediaWiki lists for a page (without the namespace prefix).</summary>
    public async Task<IReadOnlyList<string>> CategoriesAsync(string title)
    {
        var page = await PageAsync(title, "prop=categories");
        return page["categories"]?.AsArray().Select(c => c!["title"]!.GetValue<string>()["Category:".Length..]).ToList() ?? [];
    }

    /// <summary>Whether the file exists: MediaWiki has the page and its current version, and serves the bytes.</summary>
    public async Task<bool> FileExistsAsync(string title)
    {
        var page = await PageAsync(title, "prop=imageinfo&iiprop=url");
        if (page["missing"] is not null || page["imageinfo"] is null)
        {
            return false;
        }

        using var response = await _http.GetAsync(page["imageinfo"]![0]!["url"]!.GetValue<string>());
        return response.IsSuccessStatusCode;
    }

    /// <summary>The log entries of a page, newest first: type/action, performer, comment and parameters.</summary>
    public async Task<IReadOnlyList<WikiLogEntry>> LogAsync(string title)
    {
        var answer = await ApiAsync($"action=query&list=logevents&letitle={Uri.EscapeDataString(title)}&lelimit=50&leprop=type|user|comment|details");
        return answer["query"]!["logevents"]!.AsArray()
            .Select(e => new WikiLogEntry($"{e!["type"]!.GetValue<string>()}/{e["action"]!.GetValue<string>()}", e["user"]?.GetValue<string>() ?? "",
                e["comment"]?.GetValue<string>() ?? "", e["params"] as JsonObject ?? []))
            .ToList();
    }

    /// <summary>Posts a callback to the extension's REST route as results would, signed with <paramref name="secret"/>.</summary>
    public Task<HttpResponseMessage> PostCallbackAsync(string body, string secret)
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));
        var request = new HttpRequestMessage(HttpMethod.Post, "rest.php/moderation/v1/callback") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Moderation-Timestamp", timestamp);
        request.Headers.Add("X-Moderation-Signature", "sha256=" + signature);
        return _http.SendAsync(request);
    }

    /// <summary>The wiki's own logs, for assertion messages.</summary>
    public string Diagnostics() => $"moderation.log:\n{Tail("moderation.log")}\nserver.log:\n{Tail("server.log")}";

    private async Task<JsonObject> PageAsync(string title, string query)
    {
        var answer = await ApiAsync($"action=query&titles={Uri.EscapeDataString(title)}&{query}");
        return answer["query"]!["pages"]!.AsObject().Single().Value!.AsObject();
    }

    private async Task<JsonNode> ApiAsync(string query)
    {
        using var response = await _http.GetAsync($"api.php?{query}&format=json&formatversion=1");
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private async Task<JsonNode> PostAsync(Dictionary<string, string> fields)
    {
        fields["format"] = "json";
        using var response = await _http.PostAsync("api.php", new FormUrlEncodedContent(fields));
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private string Tail(string file)
    {
        var path = Path.Combine(Directory, file);
        return File.Exists(path) ? string.Join('\n', File.ReadLines(path).TakeLast(40)) : "(none)";
    }

    private async Task PumpAsync(StreamReader reader, string path)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (_logLock)
            {
                File.AppendAllText(path, line + "\n");
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (_server is { HasExited: false })
        {
            // The built-in server's workers are children of the process serve.sh became: stop them all.
            _server.Kill(entireProcessTree: true);
            await _server.WaitForExitAsync();
        }

        _server?.Dispose();
        if (Environment.GetEnvironmentVariable("MODERATION_KEEP_CLUSTER") != "1")
        {
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}

/// <summary>An uploaded file: its page title and the external id the extension submits it under (page and file version).</summary>
public sealed record WikiUpload(string Title, string ExternalId);

/// <summary>One entry of MediaWiki's logs as the action API lists it.</summary>
public sealed record WikiLogEntry(string Action, string User, string Comment, JsonObject Parameters);
