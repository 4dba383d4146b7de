using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace RenderFarm.Protos.Hosting;

/// <summary>
/// Turns a configuration mistake found at start (a setting out of range, an address without a scheme, a port in use,
/// a media root that does not exist) into one line naming the setting and what is wrong. Anything else is a fault of
/// the program and keeps its stack trace.
/// </summary>
public static partial class StartupFailure
{
    /// <summary>The exit code of a service that cannot start with its settings.</summary>
    public const int ExitCode = 2;

    /// <summary>One line for a configuration mistake, or null when <paramref name="exception"/> is not one.</summary>
    public static string? Describe(Exception exception)
    {
        switch (exception)
        {
            case AggregateException { InnerExceptions.Count: 1 } aggregate:
                return Describe(aggregate.InnerExceptions[0]);
            case OptionsValidationException options:
                return string.Join("; ", options.Failures.Select(f => Failure(options.OptionsType, f)));
            case SettingException setting:
                return setting.Message;
            case IOException io when io.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || io.GetType().Name == "AddressInUseException" || io.InnerException?.GetType().Name == "AddressInUseException":
                return $"Kestrel:Endpoints: {FirstLine(io.Message)} (another program listens there: stop it or choose another port)";
            case InvalidOperationException binder when binder.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal):
                return BinderFailure(binder);
            default:
                return null;
        }
    }

    /// <summary>
    /// Runs <paramref name="run"/>; a configuration mistake is written as one line to standard error, prefixed with
    /// <paramref name="program"/>, and gives <see cref="ExitCode"/>.
    /// </summary>
    public static int Guard(string program, Func<int> run)
    {
        try
        {
            return run();
        }
        catch (Exception ex) when (Describe(ex) is { } line)
        {
            Console.Error.WriteLine($"{program}: {line}");
            return ExitCode;
        }
    }

    private static string Failure(Type optionsType, string failure)
    {
        // Data annotations: "DataAnnotation validation failed for 'CoordinatorOptions' members: 'DefaultMaxRetries' with the error: 'The field DefaultMaxRetries must be between 0 and 10.'."
        var match = DataAnnotation().Match(failure);
        if (!match.Success) return FirstLine(failure);
        var section = optionsType.Name.EndsWith("Options", StringComparison.Ordinal) ? optionsType.Name[..^"Options".Length] : optionsType.Name;
        var member = match.Groups["member"].Value;
        var error = match.Groups["error"].Value.Replace($"The field {member} ", "", StringComparison.Ordinal).TrimEnd('.');
        return $"{section}:{member}: {error}";
    }

    private static string BinderFailure(InvalidOperationException binder)
    {
        // "Failed to convert configuration value 'abc' at 'Agent:Slots' to type 'System.Int32'."
        var match = BinderMessage().Match(binder.Message);
        return match.Success
            ? $"{match.Groups["key"].Value}: '{match.Groups["value"].Value}' is not a valid {Friendly(match.Groups["type"].Value)}"
            : FirstLine(binder.Message);
    }

    private static string Friendly(string type) => type switch
    {
        "System.Int32" or "System.Int64" or "System.UInt32" => "whole number",
        "System.Double" => "number",
        "System.Boolean" => "true/false",
        "System.TimeSpan" => "duration (hh:mm:ss)",
        _ when type.Contains('.', StringComparison.Ordinal) => "value of " + type[(type.LastIndexOf('.') + 1)..],
        _ => type,
    };

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    [GeneratedRegex(@"members: '(?<member>[^']+)' with the error: '(?<error>.*)'\.?$", RegexOptions.Singleline)]
    private static partial Regex DataAnnotation();

    [GeneratedRegex(@"value '(?<value>.*)' at '(?<key>[^']+)' to type '(?<type>[^']+)'")]
    private static partial Regex BinderMessage();
}
