using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Moderation.Deploy.Tests;

/// <summary>An options class bound from configuration: <c>public const string Section</c> plus settable properties.</summary>
public sealed class OptionsClass
{
    private OptionsClass(Type type, string section)
    {
        Type = type;
        Section = section;
    }

    public Type Type { get; }

    /// <summary>The configuration section, with <c>:</c> separators (<c>Classifier</c>, <c>Ingest:Limits</c>).</summary>
    public string Section { get; }

    /// <summary>The section as an environment variable prefix (<c>Ingest__Limits</c>).</summary>
    public string EnvironmentPrefix => Section.Replace(":", "__", StringComparison.Ordinal);

    public static OptionsClass? TryCreate(Type type)
    {
        if (!type.IsClass || type.IsAbstract || type.ContainsGenericParameters)
        {
            return null;
        }

        var field = type.GetField("Section", BindingFlags.Public | BindingFlags.Static);
        return field is { IsLiteral: true } && field.GetRawConstantValue() is string section && type.GetConstructor(Type.EmptyTypes) is not null
            ? new OptionsClass(type, section)
            : null;
    }

    /// <summary>
    /// Whether <paramref name="key"/> (an environment variable name) addresses a property of this class: the property
    /// itself, or anything below it when it is an object, a collection or a dictionary. Configuration keys are
    /// case-insensitive, and so is this.
    /// </summary>
    public bool Binds(string key)
    {
        var prefix = EnvironmentPrefix + "__";
        if (!key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var path = key[prefix.Length..].Split("__");
        var type = Type;
        for (var i = 0; i < path.Length; i++)
        {
            var property = type.GetProperty(path[i], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null || (property.SetMethod is not { IsPublic: true } && IsScalar(property.PropertyType)))
            {
                return false;
            }

            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (i == path.Length - 1)
            {
                return true;
            }

            if (IsScalar(propertyType))
            {
                return false;
            }

            if (propertyType != typeof(string) && propertyType.IsAssignableTo(typeof(System.Collections.IEnumerable)))
            {
                // Lists and dictionaries take any index or key below them.
                return true;
            }

            type = propertyType;
        }

        return false;
    }

    /// <summary>
    /// Binds the section from <paramref name="configuration"/> onto a fresh instance and runs its data-annotation
    /// validation (what <c>ValidateDataAnnotations</c> does when the host starts); returns the failures.
    /// </summary>
    public IReadOnlyList<string> BindAndValidate(IConfiguration configuration)
    {
        var instance = Activator.CreateInstance(Type)!;
        configuration.GetSection(Section).Bind(instance);
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(instance, new ValidationContext(instance), results, validateAllProperties: true);
        return results.Select(r => $"{Section}:{string.Join(",", r.MemberNames)}: {r.ErrorMessage}").ToList();
    }

    public override string ToString() => $"{Type.FullName} ({Section})";

    private static bool IsScalar(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan) ||
               type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(Guid) || type == typeof(Uri);
    }
}
