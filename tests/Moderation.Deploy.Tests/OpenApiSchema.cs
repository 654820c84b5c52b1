using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Moderation.Testing;

namespace Moderation.Deploy.Tests;

/// <summary>
/// Structural validation against a CRD's openAPIV3Schema, as the API server applies it, made strict the way
/// <c>kubeconform -strict</c> is: a field the schema does not declare is an error (the server would silently prune it,
/// which is how a typo in a manifest goes unnoticed). The schemas are vendored under Schemas/ from the operators'
/// repositories (descriptions stripped); see Schemas/README.md.
/// </summary>
public sealed class OpenApiSchema
{
    private static readonly Lazy<IReadOnlyDictionary<(string ApiVersion, string Kind), OpenApiSchema>> Vendored = new(LoadVendored);
    private readonly JsonObject _root;

    private OpenApiSchema(string source, JsonObject root)
    {
        Source = source;
        _root = root;
    }

    /// <summary>Where the schema was taken from (repository, commit and path of the CRD).</summary>
    public string Source { get; }

    public static IReadOnlyDictionary<(string ApiVersion, string Kind), OpenApiSchema> All => Vendored.Value;

    public static OpenApiSchema? For(string apiVersion, string kind) => All.GetValueOrDefault((apiVersion, kind));

    /// <summary>Every violation, as <c>path: problem</c>; empty when the object is valid.</summary>
    public IReadOnlyList<string> Validate(JsonObject value)
    {
        var errors = new List<string>();
        Check(value, _root, "", errors);
        return errors;
    }

    private static void Check(JsonNode? value, JsonObject schema, string path, List<string> errors)
    {
        if (value is null)
        {
            if (schema["nullable"]?.GetValue<bool>() != true && schema["type"] is not null)
            {
                errors.Add($"{path}: null where {schema["type"]} is expected");
            }

            return;
        }

        if (schema["x-kubernetes-int-or-string"]?.GetValue<bool>() == true)
        {
            if (!IsInteger(value) && value.GetValueKind() != JsonValueKind.String)
            {
                errors.Add($"{path}: expected an integer or a string, found {value.GetValueKind()}");
            }

            return;
        }

        var type = schema["type"]?.GetValue<string>();
        switch (type)
        {
            case "object":
                CheckObject(value, schema, path, errors);
                break;
            case "array":
                if (value is not JsonArray array)
                {
                    errors.Add($"{path}: expected an array, found {value.GetValueKind()}");
                    return;
                }

                if (schema["minItems"] is { } minItems && array.Count < minItems.GetValue<int>())
                {
                    errors.Add($"{path}: at least {minItems} items expected");
                }

                if (schema["items"] is JsonObject items)
                {
                    for (var i = 0; i < array.Count; i++)
                    {
                        Check(array[i], items, $"{path}[{i}]", errors);
                    }
                }

                break;
            case "string":
                if (value.GetValueKind() != JsonValueKind.String)
                {
                    errors.Add($"{path}: expected a string, found {value.GetValueKind()} ({value.ToJsonString()}); quote it");
                    return;
                }

                var text = value.GetValue<string>();
                if (schema["enum"] is JsonArray values && !values.Any(v => v?.GetValue<string>() == text))
                {
                    errors.Add($"{path}: '{text}' is not one of {values.ToJsonString()}");
                }

                if (schema["pattern"]?.GetValue<string>() is { } pattern && !Regex.IsMatch(text, pattern, RegexOptions.None, TimeSpan.FromSeconds(1)))
                {
                    errors.Add($"{path}: '{text}' does not match {pattern}");
                }

                if (schema["minLength"] is { } minLength && text.Length < minLength.GetValue<int>())
                {
                    errors.Add($"{path}: shorter than {minLength}");
                }

                break;
            case "integer":
                if (!IsInteger(value))
                {
                    errors.Add($"{path}: expected an integer, found {value.ToJsonString()}");
                    return;
                }

                CheckRange(value.GetValue<long>(), schema, path, errors);
                break;
            case "number":
                if (value.GetValueKind() != JsonValueKind.Number)
                {
                    errors.Add($"{path}: expected a number, found {value.ToJsonString()}");
                }

                break;
            case "boolean":
                if (value.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                {
                    errors.Add($"{path}: expected a boolean, found {value.ToJsonString()}");
                }

                break;
            case null:
                if (schema["properties"] is not null)
                {
                    CheckObject(value, schema, path, errors);
                }

                break;
            default:
                errors.Add($"{path}: schema type '{type}' is not understood by this validator");
                break;
        }
    }

    private static void CheckObject(JsonNode value, JsonObject schema, string path, List<string> errors)
    {
        if (value is not JsonObject obj)
        {
            errors.Add($"{path}: expected an object, found {value.GetValueKind()}");
            return;
        }

        if (schema["required"] is JsonArray required)
        {
            foreach (var name in required.Select(r => r!.GetValue<string>()).Where(name => !obj.ContainsKey(name)))
            {
                errors.Add($"{path}: required field '{name}' is missing");
            }
        }

        var properties = schema["properties"] as JsonObject;
        var preserveUnknown = schema["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true;
        foreach (var (name, child) in obj)
        {
            var childPath = path.Length == 0 ? name : $"{path}.{name}";
            if (childPath == "metadata")
            {
                // ObjectMeta for every kind; CRD schemas declare it as a bare object, so it is checked as ObjectMeta elsewhere.
                continue;
            }

            if (properties?[name] is JsonObject propertySchema)
            {
                Check(child, propertySchema, childPath, errors);
            }
            else if (schema["additionalProperties"] is JsonObject additional)
            {
                Check(child, additional, childPath, errors);
            }
            else if (!preserveUnknown && schema["additionalProperties"]?.GetValueKind() != JsonValueKind.True)
            {
                errors.Add($"{childPath}: unknown field (the API server would drop it)");
            }
        }
    }

    private static void CheckRange(long number, JsonObject schema, string path, List<string> errors)
    {
        if (schema["minimum"] is { } minimum && number < minimum.GetValue<long>())
        {
            errors.Add($"{path}: {number} is below the minimum {minimum}");
        }

        if (schema["maximum"] is { } maximum && number > maximum.GetValue<long>())
        {
            errors.Add($"{path}: {number} is above the maximum {maximum}");
        }
    }

    private static bool IsInteger(JsonNode value) =>
        value.GetValueKind() == JsonValueKind.Number && value is JsonValue v && v.TryGetValue<long>(out _);

    private static Dictionary<(string, string), OpenApiSchema> LoadVendored()
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "Schemas");
        var schemas = new Dictionary<(string, string), OpenApiSchema>();
        foreach (var file in Directory.EnumerateFiles(directory, "*.json"))
        {
            var document = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
            schemas[(document["apiVersion"]!.GetValue<string>(), document["kind"]!.GetValue<string>())] =
                new OpenApiSchema(document["source"]!.GetValue<string>(), document["openAPIV3Schema"]!.AsObject());
        }

        return schemas.Count > 0 ? schemas : throw new InvalidOperationException($"No vendored schemas in {directory} ({RepoPaths.Root}).");
    }
}
