using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MassTransit;
using Moderation.Contracts.V1;

// A wiki-style uploader integrating with the moderation cluster in either of its two ways. See docs/integration.md.
//
//   publish --rabbitmq amqp://user:pass@host:5672/vhost --url https://upload.example/a.jpg --external-id "File:A.jpg/123"
//           [--callback https://wiki.example/moderation-callback] [--priority urgent|normal|bulk] [--client wiki]
//   hook    --ingest http://127.0.0.1:5080 --client wiki --secret <webhook secret> --url https://upload.example/a.jpg
//           --external-id "File:A.jpg/123" [--callback …] [--priority …]
var options = ParseOptions(args.Skip(1));
return args.FirstOrDefault() switch
{
    "publish" => await PublishAsync(options),
    "hook" => await CallHookAsync(options),
    _ => Usage(),
};

// Direct publishing: the uploader puts SubmitMediaByUrl on the broker itself. Ingest fetches the file through its SSRF
// guard, stores it and publishes MediaSubmitted with the blob for the frame extractor.
static async Task<int> PublishAsync(Dictionary<string, string> options)
{
    var broker = new Uri(Required(options, "rabbitmq"));
    var user = broker.UserInfo.Split(':', 2);
    var bus = Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(broker.Host, (ushort)(broker.IsDefaultPort ? 5672 : broker.Port),
        Uri.UnescapeDataString(broker.AbsolutePath.TrimStart('/')) is { Length: > 0 } vhost ? vhost : "/", h =>
        {
            h.Username(Uri.UnescapeDataString(user[0]));
            h.Password(user.Length > 1 ? Uri.UnescapeDataString(user[1]) : "");
            // Returns only once the broker has the message: the submission is then safe from crashes on either side.
            h.PublisherConfirmation = true;
        }));
    await bus.StartAsync();
    try
    {
        var mediaId = NewId.NextGuid();
        var message = new SubmitMediaByUrl(
            MediaId: mediaId,
            CorrelationId: Guid.NewGuid(),
            SourceUrl: Required(options, "url"),
            ExternalId: options.GetValueOrDefault("external-id"),
            CallbackUrl: options.GetValueOrDefault("callback"),
            Priority: Enum.Parse<SubmissionPriority>(options.GetValueOrDefault("priority", "normal"), ignoreCase: true),
            Policy: options.GetValueOrDefault("policy"),
            ClientId: options.GetValueOrDefault("client", "wiki"),
            SubmittedAt: DateTimeOffset.UtcNow);
        await bus.Publish(message);
        Console.WriteLine($"Published SubmitMediaByUrl {mediaId}; follow it at GET /media/{mediaId} or wait for the callback.");
        return 0;
    }
    finally
    {
        await bus.StopAsync();
    }
}

// The upload hook: one HMAC-signed HTTP call per uploaded file.
static async Task<int> CallHookAsync(Dictionary<string, string> options)
{
    var body = JsonSerializer.Serialize(new
    {
        url = Required(options, "url"),
        externalId = options.GetValueOrDefault("external-id"),
        callbackUrl = options.GetValueOrDefault("callback"),
        priority = options.GetValueOrDefault("priority", "normal"),
        deliveryId = Guid.NewGuid().ToString(),
    });
    var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
    var signature = Convert.ToHexStringLower(HMACSHA256.HashData(
        Encoding.UTF8.GetBytes(Required(options, "secret")), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));

    using var http = new HttpClient { BaseAddress = new Uri(Required(options, "ingest")) };
    using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/upload") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
    request.Headers.Add("X-Moderation-Client", options.GetValueOrDefault("client", "wiki"));
    request.Headers.Add("X-Moderation-Timestamp", timestamp);
    request.Headers.Add("X-Moderation-Signature", $"sha256={signature}");
    using var response = await http.SendAsync(request);
    Console.WriteLine($"{(int)response.StatusCode} {response.ReasonPhrase}");
    Console.WriteLine(await response.Content.ReadAsStringAsync());
    return response.IsSuccessStatusCode ? 0 : 1;
}

static Dictionary<string, string> ParseOptions(IEnumerable<string> args)
{
    var list = args.ToList();
    var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
    for (var i = 0; i + 1 < list.Count; i += 2)
    {
        if (!list[i].StartsWith("--", StringComparison.Ordinal))
        {
            throw new ArgumentException($"Expected an option, got '{list[i]}'.");
        }

        options[list[i][2..]] = list[i + 1];
    }

    return options;
}

static string Required(Dictionary<string, string> options, string name) =>
    options.TryGetValue(name, out var value) ? value : throw new ArgumentException($"--{name} is required.");

static int Usage()
{
    Console.Error.WriteLine("""
        Usage:
          DirectPublish publish --rabbitmq <amqp uri> --url <file url> [--external-id <id>] [--callback <url>] [--priority urgent|normal|bulk] [--client <id>]
          DirectPublish hook --ingest <base url> --client <id> --secret <webhook secret> --url <file url> [--external-id <id>] [--callback <url>] [--priority …]
        """);
    return 2;
}
