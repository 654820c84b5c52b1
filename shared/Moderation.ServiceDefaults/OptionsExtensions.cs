using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Moderation.ServiceDefaults;

/// <summary>How every service binds its settings: one section per options class, checked when the host starts.</summary>
public static class OptionsExtensions
{
    /// <summary>
    /// Binds <typeparamref name="T"/> to <paramref name="section"/> and validates it with its data annotations (and
    /// <see cref="System.ComponentModel.DataAnnotations.IValidatableObject"/>) when the host starts, so a wrong setting
    /// stops the service at once instead of failing the first request that reads it. Further rules chain on the result
    /// (<c>.Validate(…)</c>), and an <see cref="IValidateOptions{TOptions}"/> registered beside it runs as well.
    /// </summary>
    public static OptionsBuilder<T> AddValidatedOptions<T>(this IHostApplicationBuilder builder, string section)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Services.AddOptions<T>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();
    }
}
