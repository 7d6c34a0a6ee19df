using Amazon.SimpleSystemsManagement.Model;
using EfsDr.Aws.Http;
using EfsDr.Aws.Sdk;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;
using EfsDr.Core.Paging;
using CommandInvocation = EfsDr.Aws.Ssm.CommandInvocation;
using PingStatus = EfsDr.Core.Model.PingStatus;

namespace EfsDr.Aws.Ssm;

/// <summary>SSM Run Command through AWSSDK.SimpleSystemsManagement (the SSM-level client under <see cref="SsmNodeAgent"/>).</summary>
/// <param name="clients">The SDK clients, one per region.</param>
public sealed class SsmNodeCommands(SdkClientFactory clients)
{
    private const int MaxInstanceInformationPages = 100;
    private readonly SdkClientFactory _clients = clients ?? throw new ArgumentNullException(nameof(clients));

    /// <summary>Sends a command document to one instance; returns the command id.</summary>
    /// <remarks><see cref="NodeCommand.DeliveryTimeoutSeconds"/> becomes SendCommand's <c>TimeoutSeconds</c>, the
    /// <em>delivery</em> timeout; the script's own limit is the document's <c>executionTimeout</c> parameter.</remarks>
    public Task<string> SendAsync(string region, string instanceId, NodeCommand command, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        ArgumentNullException.ThrowIfNull(command);
        ArgumentException.ThrowIfNullOrWhiteSpace(command.DocumentName, nameof(command));
        var request = new SendCommandRequest
        {
            InstanceIds = [instanceId],
            DocumentName = command.DocumentName,
            DocumentVersion = command.DocumentVersion,
            Comment = command.Comment,
            TimeoutSeconds = command.DeliveryTimeoutSeconds,
            Parameters = command.Parameters.ToDictionary(p => p.Key, p => p.Value.ToList(), StringComparer.Ordinal),
        };
        return SdkErrors.InvokeAsync(
            AwsServiceInfo.Ssm,
            "SendCommand",
            _clients.Time,
            async token =>
            {
                var response = await _clients.Ssm(region).SendCommandAsync(request, token).ConfigureAwait(false);
                return response.Command?.CommandId is { Length: > 0 } id
                    ? id
                    : throw new CloudCallFailedException(new CloudError(AwsServiceInfo.Ssm.ErrorService, "MissingCommandId", "SendCommand answered without a command id", (int)response.HttpStatusCode, response.ResponseMetadata?.RequestId));
            },
            cancellationToken);
    }

    /// <summary>The invocation of a command on an instance. Throws <see cref="NodeCommandNotFoundException"/> while SSM
    /// does not know it yet (InvocationDoesNotExist, normal right after sending).</summary>
    public Task<CommandInvocation> GetInvocationAsync(string region, string commandId, string instanceId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(commandId);
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);

        // No PluginName: AWS-RunShellScript and EfsDr's documents have a single step.
        var request = new GetCommandInvocationRequest { CommandId = commandId, InstanceId = instanceId };
        return SdkErrors.InvokeAsync(
            AwsServiceInfo.Ssm,
            "GetCommandInvocation",
            _clients.Time,
            async token =>
            {
                var r = await _clients.Ssm(region).GetCommandInvocationAsync(request, token).ConfigureAwait(false);
                return new CommandInvocation(
                    r.CommandId ?? commandId,
                    r.InstanceId ?? instanceId,
                    ParseStatus(r.Status?.Value),
                    r.StatusDetails,
                    r.ResponseCode ?? -1,
                    r.StandardOutputContent ?? string.Empty,
                    r.StandardErrorContent ?? string.Empty);
            },
            cancellationToken);
    }

    /// <summary>The SSM agent's ping status for an instance.</summary>
    /// <remarks>Stopped, terminated and unmanaged instances have no entry and give <see cref="PingStatus.NotRegistered"/>.</remarks>
    public Task<PingStatus> GetPingStatusAsync(string region, string instanceId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        return SdkErrors.InvokeAsync(
            AwsServiceInfo.Ssm,
            "DescribeInstanceInformation",
            _clients.Time,
            async token =>
            {
                var client = _clients.Ssm(region);
                var pages = new PageMarkers(AwsServiceInfo.Ssm.ErrorService, "DescribeInstanceInformation", MaxInstanceInformationPages);
                string? nextToken = null;
                while (true)
                {
                    var response = await client.DescribeInstanceInformationAsync(
                        new DescribeInstanceInformationRequest
                        {
                            Filters = [new InstanceInformationStringFilter { Key = "InstanceIds", Values = [instanceId] }],
                            NextToken = nextToken,
                        },
                        token).ConfigureAwait(false);
                    var entry = response.InstanceInformationList?.FirstOrDefault(i => string.Equals(i.InstanceId, instanceId, StringComparison.Ordinal));
                    if (entry is not null)
                    {
                        return ParsePing(entry.PingStatus?.Value);
                    }

                    nextToken = pages.After(response.NextToken);
                    if (nextToken is null)
                    {
                        return PingStatus.NotRegistered;
                    }
                }
            },
            cancellationToken);
    }

    /// <summary>True when the SSM document <paramref name="name"/> exists in <paramref name="region"/>.</summary>
    /// <remarks>DescribeDocument; SSM answers InvalidDocument for a missing document (DocumentNotFound is accepted too).</remarks>
    public async Task<bool> DocumentExistsAsync(string region, string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        try
        {
            return await SdkErrors.InvokeAsync(
                AwsServiceInfo.Ssm,
                "DescribeDocument",
                _clients.Time,
                async token =>
                {
                    var response = await _clients.Ssm(region).DescribeDocumentAsync(new DescribeDocumentRequest { Name = name }, token).ConfigureAwait(false);
                    return response.Document is not null;
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (CloudCallFailedException ex) when (ex.Code is "InvalidDocument" or "DocumentNotFound")
        {
            return false;
        }
    }

    /// <summary>The invocation status for SSM's wire value; <see cref="CommandStatus.Unknown"/> for a value EfsDr does not know.</summary>
    public static CommandStatus ParseStatus(string? value) => value switch
    {
        "Pending" => CommandStatus.Pending,
        "InProgress" => CommandStatus.InProgress,
        "Delayed" => CommandStatus.Delayed,
        "Success" => CommandStatus.Success,
        "Cancelled" => CommandStatus.Cancelled,
        "TimedOut" => CommandStatus.TimedOut,
        "Failed" => CommandStatus.Failed,
        "Cancelling" => CommandStatus.Cancelling,
        _ => CommandStatus.Unknown,
    };

    /// <summary>The ping status for SSM's wire value; an unknown value counts as <see cref="PingStatus.Inactive"/> (unreachable).</summary>
    public static PingStatus ParsePing(string? value) => value switch
    {
        "Online" => PingStatus.Online,
        "ConnectionLost" => PingStatus.ConnectionLost,
        _ => PingStatus.Inactive,
    };
}
