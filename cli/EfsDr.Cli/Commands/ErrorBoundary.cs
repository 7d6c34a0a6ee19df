using System.CommandLine;
using System.Text.Json;
using System.Xml;
using EfsDr.Core.Exceptions;

namespace EfsDr.Cli.Commands;

/// <summary>
/// efsdr's one error boundary: any failure of a command becomes one line, <c>efsdr: &lt;what happened&gt;: &lt;what to
/// do&gt;</c>, and the exit code the README documents. No stack trace unless <c>--debug</c>.
/// </summary>
public static class ErrorBoundary
{
    /// <summary>The exit code and the line for <paramref name="failure"/> of the command in <paramref name="parse"/>.</summary>
    /// <param name="failure">What the command threw.</param>
    /// <param name="parse">The command line (for "see efsdr &lt;command&gt; --help").</param>
    /// <param name="configPath">The configuration file in use, when known.</param>
    /// <param name="cancellationToken">The command's token: cancelled means the user interrupted.</param>
    public static (int Code, string Line) Describe(Exception failure, ParseResult parse, string? configPath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(failure);
        ArgumentNullException.ThrowIfNull(parse);
        var help = Program.HelpCommand(parse.CommandResult.Command);
        var (code, what, todo) = failure switch
        {
            OperationCanceledException when cancellationToken.IsCancellationRequested =>
                (ExitCodes.Interrupted, "interrupted", "nothing was stopped in AWS (a running execution goes on)"),
            UsageException or ArgumentException =>
                (ExitCodes.Usage, failure.Message, "see " + help),
            CredentialProfileNotFoundException =>
                (ExitCodes.Usage, "--profile: " + failure.Message, "check the name (aws configure list-profiles) or leave --profile and AWS_PROFILE unset"),
            CredentialsUnavailableException =>
                (ExitCodes.AwsUnreachable, failure.Message, "give credentials: --profile NAME, AWS_PROFILE, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or an instance role"),
            InvalidConfigurationException =>
                (ExitCodes.Usage, $"{configPath ?? "the configuration"}: {failure.Message}", $"fix it (efsdr config validate {configPath ?? "FILE"})"),
            FieldValidationException =>
                (ExitCodes.Usage, failure.Message, "see " + help),
            RegionUnreachableException or CloudBusyException or HttpRequestException =>
                (ExitCodes.AwsUnreachable, "AWS unreachable: " + failure.Message, "check the network, --region and --endpoint-url, then try again"),
            JsonException or XmlException =>
                (ExitCodes.AwsUnreachable, $"AWS sent an answer efsdr cannot read ({failure.Message})", "check that --endpoint-url or AWS_ENDPOINT_URL points at AWS, then try again"),
            CloudCallFailedException =>
                (ExitCodes.AwsUnreachable, "AWS refused: " + failure.Message, "check the credentials' permissions and the names in the configuration"),
            _ =>
                (ExitCodes.Unexpected, $"unexpected error: {failure.GetType().Name}: {failure.Message}", "run again with --debug and report it"),
        };
        return (code, $"efsdr: {OneLine(what).TrimEnd('.', ' ')}: {todo}");
    }

    /// <summary>The text on one line.</summary>
    public static string OneLine(string text) =>
        string.Join(' ', (text ?? string.Empty).Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
