using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace Moderation.Deploy.Tests;

/// <summary>
/// Every service reaches RabbitMQ and PostgreSQL with credentials of its own that allow what its code does and no
/// more; KEDA only looks at queue depths. Checked on every Kubernetes overlay and on the compose file; the RabbitMQ
/// permissions are checked against the queues and messages the services' code declares (<see cref="MessageTopology"/>).
/// </summary>
public sealed class LeastPrivilegeTests
{
    private const string PostgresOwnerSuffix = "-owner";

    public static TheoryData<string> Overlays => new(Kubectl.Overlays);

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Each_service_connects_with_credentials_of_its_own_and_none_as_an_administrator(string overlay)
    {
        var objects = await Kubectl.RenderAsync($"overlays/{overlay}");
        var problems = new List<string>();
        var rabbitSecrets = new Dictionary<string, string>(StringComparer.Ordinal);
        var owners = DatabaseOwners(objects);

        foreach (var container in RenderedContainer.All(objects).Where(c => c.Service is not null))
        {
            var environment = container.Environment(objects);
            var service = container.Service!;
            if (service.UsesRabbitMq)
            {
                var secret = RabbitMqSecret(container, environment, problems);
                if (secret is not null && rabbitSecrets.TryGetValue(secret, out var other) && other != service.Name)
                {
                    problems.Add($"{container.Describe}: RabbitMQ credentials {secret} are {other}'s too");
                }

                if (secret is not null)
                {
                    rabbitSecrets[secret] = service.Name;
                    var user = UserImporting(objects, secret);
                    if (user is null)
                    {
                        problems.Add($"{container.Describe}: no RabbitMQ User imports {secret}");
                    }
                    else if (user["spec"]!["tags"]?.AsArray().Count > 0)
                    {
                        problems.Add($"{container.Describe}: RabbitMQ user {user["metadata"]!["name"]} has tags {user["spec"]!["tags"]!.ToJsonString()}; services need none");
                    }
                }
            }

            if (service.UsesPostgres)
            {
                var secret = SecretOf(environment, "POSTGRES_PASSWORD");
                var connection = environment.SingleOrDefault(v => v.Name == "ConnectionStrings__postgres")?.Value ?? "";
                var migrates = container.Container["args"]?.AsArray().Any(a => a.Text() == "migrate") == true;
                var expected = $"moderation-postgres-{service.Name}{(migrates ? PostgresOwnerSuffix : "")}";
                if (secret != expected || SecretOf(environment, "POSTGRES_USERNAME") != expected || !connection.Contains("Username=$(POSTGRES_USERNAME)", StringComparison.Ordinal))
                {
                    problems.Add($"{container.Describe}: connects to PostgreSQL as {secret ?? "(no secret)"}, expected the {(migrates ? "schema owner" : "serving role")} {expected}");
                }

                var database = Regex.Match(connection, "Database=([^;]+)").Groups[1].Value;
                var role = RoleOf(objects, expected);
                if (!migrates && owners.TryGetValue(database, out var owner) && owner == role)
                {
                    problems.Add($"{container.Describe}: serves as {role}, the owner of {database}; serving roles may only read and write rows");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Equal(ServiceCatalog.All.Count(s => s.UsesRabbitMq), rabbitSecrets.Values.Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task KEDA_reads_queue_depth_as_a_monitoring_user_without_permissions(string overlay)
    {
        var objects = await Kubectl.RenderAsync($"overlays/{overlay}");
        var authentication = objects.OfKind("TriggerAuthentication").Single();
        var host = authentication["spec"]!["secretTargetRef"]!.AsArray().Single(r => r!["parameter"].Text() == "host")!;
        var secret = host["name"].Text();
        var user = UserImporting(objects, secret);

        Assert.True(user is not null, $"no RabbitMQ User imports KEDA's Secret {secret}");
        Assert.Equal(["monitoring"], user["spec"]!["tags"]!.AsArray().Select(t => t.Text()));
        var permission = PermissionOf(objects, user);
        Assert.All(new[] { "configure", "write", "read" }, p => Assert.Equal("^$", permission["spec"]!["permissions"]![p].Text()));
        Assert.DoesNotContain("default-user", secret, StringComparison.Ordinal);
        Assert.False(RabbitMqSecretsOfServices(objects).Contains(secret), "KEDA shares its RabbitMQ user with a service");
        if (RenderedContainer.Find(objects, "Secret", secret) is { } rendered)
        {
            // The dev overlay renders its Secrets: the trigger's URI must name KEDA's user.
            var uri = new Uri(Decode(rendered, "host"));
            Assert.Equal(Decode(rendered, "username"), Uri.UnescapeDataString(uri.UserInfo.Split(':')[0]));
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task RabbitMQ_permissions_cover_what_each_service_declares_and_nothing_of_the_others(string overlay)
    {
        var (topologies, permissions) = ServicePermissions(await Kubectl.RenderAsync($"overlays/{overlay}"));

        var problems = TopologyProblems(topologies, permissions);
        Assert.True(problems.Count == 0, $"overlays/{overlay}:\n" + string.Join("\n", problems));
    }

    /// <summary>
    /// Several deployments share a broker by queue prefix (components/queue-prefix): the permissions then cover the
    /// prefixed queues the services declare, and none of the queues of a deployment without the prefix.
    /// </summary>
    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task With_a_queue_prefix_RabbitMQ_permissions_cover_the_prefixed_queues_and_not_the_unprefixed_ones(string overlay)
    {
        const string prefix = "blue";
        var objects = await Kubectl.RenderWithQueuePrefixAsync($"overlays/{overlay}", prefix);
        var (topologies, permissions) = ServicePermissions(objects);
        var (unprefixed, _) = ServicePermissions(await Kubectl.RenderAsync($"overlays/{overlay}"));

        var problems = TopologyProblems(topologies, permissions);
        foreach (var (service, topology) in topologies)
        {
            // The services read the prefix from the rendered configuration: what is checked is what they declare.
            Assert.All(topology.Queues.Concat(topology.TemporaryQueues), q => Assert.StartsWith(prefix + "-", q, StringComparison.Ordinal));
            var permission = permissions[service];
            foreach (var (other, theirs) in unprefixed)
            {
                foreach (var name in theirs.OwnNames.Where(n => n != theirs.ReplyEndpoint))
                {
                    foreach (var (right, expression) in new[] { ("configure", permission.ConfigureRegex), ("write", permission.WriteRegex), ("read", permission.ReadRegex) })
                    {
                        if (expression.IsMatch(name))
                        {
                            problems.Add($"{service}: {right} matches '{name}' (the unprefixed deployment's {other} queue)");
                        }
                    }
                }
            }
        }

        Assert.True(problems.Count == 0, $"overlays/{overlay} with Messaging__QueuePrefix={prefix}:\n" + string.Join("\n", problems));
        Assert.DoesNotContain(objects.OfKind("ConfigMap"), c => c["metadata"]!["name"].Text() == "moderation-queue-prefix");
    }

    /// <summary>Each RabbitMQ-using service's topology (from its rendered configuration) and its Permission's expressions.</summary>
    private static (Dictionary<ServiceCatalog, MessageTopology> Topologies, Dictionary<ServiceCatalog, Permissions> Permissions) ServicePermissions(IReadOnlyList<JsonObject> objects)
    {
        var topologies = new Dictionary<ServiceCatalog, MessageTopology>();
        var permissions = new Dictionary<ServiceCatalog, Permissions>();
        foreach (var deployment in objects.OfKind("Deployment"))
        {
            var container = RenderedContainer.All([deployment]).Single(c => !c.IsInit);
            if (container.Service is not { UsesRabbitMq: true } service)
            {
                continue;
            }

            var environment = container.Environment(objects);
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(container.Configuration(environment)).Build();
            topologies[service] = MessageTopology.For(service, configuration);
            var user = UserImporting(objects, SecretOf(environment, "RABBITMQ_PASSWORD")!)!;
            var spec = PermissionOf(objects, user)["spec"]!["permissions"]!;
            permissions[service] = new Permissions(spec["configure"].Text(), spec["write"].Text(), spec["read"].Text());
        }

        return (topologies, permissions);
    }

    [Fact]
    public void Compose_gives_each_service_its_own_broker_user_and_serving_role_with_the_Kubernetes_permissions()
    {
        var compose = ComposeFile.Services();
        var definitions = ComposeFile.RabbitMqDefinitions();
        var problems = new List<string>();
        var topologies = new Dictionary<ServiceCatalog, MessageTopology>();
        var permissions = new Dictionary<ServiceCatalog, Permissions>();
        foreach (var (name, container) in compose)
        {
            if (ServiceCatalog.ForImage(container.Image) is not { } service)
            {
                continue;
            }

            var environment = container.EffectiveEnvironment;
            if (service.UsesRabbitMq)
            {
                var user = Uri.UnescapeDataString(new Uri(ComposeFile.Literal(environment["ConnectionStrings__rabbitmq"])).UserInfo.Split(':')[0]);
                if (user != service.Name)
                {
                    problems.Add($"compose service {name}: RabbitMQ user '{user}', expected the service's own '{service.Name}'");
                }

                var entry = definitions["users"]!.AsArray().SingleOrDefault(u => u!["name"].Text() == user);
                if (entry is null || entry["tags"].Text() != "")
                {
                    problems.Add($"compose service {name}: RabbitMQ user '{user}' is not defined, or has tags");
                }

                var permission = definitions["permissions"]!.AsArray().Single(p => p!["user"].Text() == user)!;
                permissions[service] = new Permissions(permission["configure"].Text(), permission["write"].Text(), permission["read"].Text());
                topologies[service] = MessageTopology.For(service, new ConfigurationBuilder().AddInMemoryCollection(
                    environment.ToDictionary(kv => kv.Key.Replace("__", ":", StringComparison.Ordinal), kv => (string?)kv.Value)).Build());
            }

            if (service.UsesPostgres)
            {
                var role = Regex.Match(environment["ConnectionStrings__postgres"], "Username=([^;]+)").Groups[1].Value;
                var expected = name.EndsWith("-migrate", StringComparison.Ordinal) ? $"{service.Name}_owner" : service.Name;
                if (role != expected)
                {
                    problems.Add($"compose service {name}: PostgreSQL role '{role}', expected '{expected}'");
                }
            }
        }

        problems.AddRange(TopologyProblems(topologies, permissions));

        // The same expressions as Kubernetes: one reviewed set of rules, not two that drift.
        var kubernetes = YamlDocuments.ParseFile(Path.Combine(Moderation.Testing.RepoPaths.Root, "deploy", "k8s", "base", "data", "rabbitmq-users.yaml"))
            .OfKind("Permission")
            .ToDictionary(p => p["spec"]!["userReference"]!["name"].Text()["rabbitmq-".Length..], p => p["spec"]!["permissions"]!);
        foreach (var (service, permission) in permissions)
        {
            var k8s = kubernetes[service.Name];
            if (k8s["configure"].Text() != permission.Configure || k8s["write"].Text() != permission.Write || k8s["read"].Text() != permission.Read)
            {
                problems.Add($"compose user {service}: permissions differ from deploy/k8s/base/data/rabbitmq-users.yaml");
            }
        }

        var administrators = definitions["users"]!.AsArray().Where(u => u!["tags"].Text().Contains("administrator", StringComparison.Ordinal)).Select(u => u!["name"].Text()).ToList();
        Assert.DoesNotContain(administrators, a => ServiceCatalog.All.Any(s => s.Name == a));
        Assert.Equal(ServiceCatalog.All.Count(s => s.UsesRabbitMq), permissions.Count);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>
    /// Each service may configure, write and read its own queues and reply endpoint; configure and read the exchanges
    /// of the messages it consumes or publishes; write only those it publishes (and IMediaMessage when one of them is a
    /// media message); declare and write the reply endpoints of the services whose requests it answers; and nothing of
    /// another service's queues.
    /// </summary>
    private static List<string> TopologyProblems(IReadOnlyDictionary<ServiceCatalog, MessageTopology> topologies, IReadOnlyDictionary<ServiceCatalog, Permissions> permissions)
    {
        var problems = new List<string>();
        foreach (var (service, topology) in topologies)
        {
            var permission = permissions[service];
            void Require(string right, Regex expression, string name, string why)
            {
                if (!expression.IsMatch(name))
                {
                    problems.Add($"{service}: {right} does not match '{name}' ({why})");
                }
            }

            void Forbid(string right, Regex expression, string name, string why)
            {
                if (expression.IsMatch(name))
                {
                    problems.Add($"{service}: {right} matches '{name}' ({why})");
                }
            }

            foreach (var name in topology.OwnNames)
            {
                Require("configure", permission.ConfigureRegex, name, "its own queue");
                Require("write", permission.WriteRegex, name, "its own queue");
                Require("read", permission.ReadRegex, name, "its own queue");
            }

            // When a consumer gives up, MassTransit publishes Fault<T> (bound to the Fault exchange); when a message cannot
            // even be read, ReceiveFault, before moving it to _error. Both must go through, or the message is redelivered forever.
            foreach (var fault in topology.Consumed.Select(FaultExchange).Append(MessageTopology.Exchange(typeof(MassTransit.Fault))).Append(MessageTopology.Exchange(typeof(MassTransit.ReceiveFault))))
            {
                Require("configure", permission.ConfigureRegex, fault, "MassTransit's fault events");
                Require("write", permission.WriteRegex, fault, "MassTransit's fault events");
                Require("read", permission.ReadRegex, fault, "MassTransit's fault events");
            }

            var published = topology.Published(topologies.Values);
            var touched = topology.Consumed.Concat(published).ToHashSet();
            var media = typeof(Contracts.V1.IMediaMessage);
            foreach (var contract in MessageTopology.Contracts)
            {
                var exchange = MessageTopology.Exchange(contract);
                var needsWrite = published.Contains(contract) || (contract == media && touched.Any(media.IsAssignableFrom));
                if (touched.Contains(contract) || needsWrite)
                {
                    Require("configure", permission.ConfigureRegex, exchange, "it publishes or consumes this message");
                }

                if (touched.Contains(contract))
                {
                    Require("read", permission.ReadRegex, exchange, "it publishes or consumes this message");
                }

                if (needsWrite)
                {
                    Require("write", permission.WriteRegex, exchange, "it publishes this message");
                }
                else
                {
                    Forbid("write", permission.WriteRegex, exchange, "its code never creates this message");
                }
            }

            foreach (var (other, theirs) in topologies.Where(t => t.Key != service))
            {
                foreach (var name in theirs.OwnNames.Where(n => n != theirs.ReplyEndpoint))
                {
                    Forbid("configure", permission.ConfigureRegex, name, $"{other}'s queue");
                    Forbid("write", permission.WriteRegex, name, $"{other}'s queue");
                    Forbid("read", permission.ReadRegex, name, $"{other}'s queue");
                }

                Forbid("read", permission.ReadRegex, theirs.ReplyEndpoint, $"{other}'s replies");
                var answers = theirs.Requests && topology.Answered.Any(theirs.Constructed.Contains);
                if (answers)
                {
                    Require("configure", permission.ConfigureRegex, theirs.ReplyEndpoint, $"it answers {other}'s requests");
                    Require("write", permission.WriteRegex, theirs.ReplyEndpoint, $"it answers {other}'s requests");
                }
                else
                {
                    Forbid("write", permission.WriteRegex, theirs.ReplyEndpoint, $"it answers no request of {other}");
                }
            }
        }

        return problems;
    }

    /// <summary>The exchange MassTransit publishes <c>Fault&lt;T&gt;</c> to: <c>MassTransit:Fault--&lt;namespace&gt;:&lt;type&gt;--</c>.</summary>
    private static string FaultExchange(Type message) => $"{MessageTopology.Exchange(typeof(MassTransit.Fault))}--{MessageTopology.Exchange(message)}--";

    private static string? RabbitMqSecret(RenderedContainer container, IReadOnlyList<EnvironmentVariable> environment, List<string> problems)
    {
        var connection = environment.SingleOrDefault(v => v.Name == "ConnectionStrings__rabbitmq");
        var user = SecretOf(environment, "RABBITMQ_USERNAME");
        var password = SecretOf(environment, "RABBITMQ_PASSWORD");
        if (connection?.Value is null || !connection.Value.StartsWith("amqp://$(RABBITMQ_USERNAME):$(RABBITMQ_PASSWORD)@", StringComparison.Ordinal) || user is null || user != password)
        {
            problems.Add($"{container.Describe}: ConnectionStrings__rabbitmq must be built from the service's own Secret (RABBITMQ_USERNAME, RABBITMQ_PASSWORD), not {connection?.Source}");
            return null;
        }

        if (user != $"moderation-rabbitmq-{container.Service!.Name}")
        {
            problems.Add($"{container.Describe}: RabbitMQ credentials from {user}, expected moderation-rabbitmq-{container.Service.Name}");
        }

        return user;
    }

    private static HashSet<string> RabbitMqSecretsOfServices(IReadOnlyList<JsonObject> objects) =>
        RenderedContainer.All(objects).Where(c => c.Service is not null)
            .Select(c => SecretOf(c.Environment(objects), "RABBITMQ_PASSWORD")).OfType<string>().ToHashSet(StringComparer.Ordinal);

    private static string? SecretOf(IReadOnlyList<EnvironmentVariable> environment, string name) =>
        environment.SingleOrDefault(v => v.Name == name) is { FromSecret: true } variable ? variable.Source["Secret ".Length..].Split('/')[0] : null;

    private static JsonObject? UserImporting(IReadOnlyList<JsonObject> objects, string secret) =>
        objects.OfKind("User").SingleOrDefault(u => u["spec"]!["importCredentialsSecret"]?["name"].Text() == secret);

    private static JsonObject PermissionOf(IReadOnlyList<JsonObject> objects, JsonObject user) =>
        objects.OfKind("Permission").Single(p => p["spec"]!["userReference"]?["name"].Text() == user["metadata"]!["name"].Text());

    /// <summary>The role name a basic-auth Secret holds: rendered (dev), or as create-secrets.sh writes it.</summary>
    private static string RoleOf(IReadOnlyList<JsonObject> objects, string secret) =>
        RenderedContainer.Find(objects, "Secret", secret) is { } rendered
            ? Decode(rendered, "username")
            : Regex.Match(File.ReadAllText(Path.Combine(Moderation.Testing.RepoPaths.Root, "deploy", "k8s", "create-secrets.sh")),
                $@"^create_secret {Regex.Escape(secret)} \S+ username=(\S+) ", RegexOptions.Multiline).Groups[1].Value;

    /// <summary>Database name → owning role, from the CloudNativePG Cluster's bootstrap and the Database resources.</summary>
    private static Dictionary<string, string> DatabaseOwners(IReadOnlyList<JsonObject> objects)
    {
        var owners = objects.OfKind("Database").ToDictionary(d => d["spec"]!["name"].Text(), d => d["spec"]!["owner"].Text(), StringComparer.Ordinal);
        var initdb = objects.OfKind("Cluster").Single()["spec"]!["bootstrap"]!["initdb"]!;
        owners[initdb["database"].Text()] = initdb["owner"].Text();
        return owners;
    }

    private static string Decode(JsonObject secret, string key) =>
        secret["stringData"]?[key]?.GetValue<string>() ?? System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(secret["data"]![key].Text()));

    private sealed record Permissions(string Configure, string Write, string Read)
    {
        public Regex ConfigureRegex { get; } = new(Configure);

        public Regex WriteRegex { get; } = new(Write);

        public Regex ReadRegex { get; } = new(Read);
    }
}
