using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using EfsDr.Aws.Http;
using EfsDr.Aws.Sdk;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;
using EfsDr.Core.Paging;
using EfsDr.Core.Ports;

namespace EfsDr.Aws.Ssm;

/// <summary>SSM Parameter Store through AWSSDK.SimpleSystemsManagement. Every value is written as type String, standard tier.</summary>
/// <remarks>SSM's error codes stop here: ParameterAlreadyExists (and TooManyUpdates) of a create become <c>false</c>,
/// ParameterNotFound of a delete becomes success, TooManyUpdates of an overwrite or delete becomes
/// <see cref="CloudBusyException"/>.</remarks>
public sealed class SsmParameters(SdkClientFactory clients) : IParameters
{
    /// <summary>GetParametersByPath's largest page (the model's GetParametersByPathMaxResults: 1–10).</summary>
    public const int PageSize = 10;

    private const string AlreadyExists = "ParameterAlreadyExists";
    private const string NotFound = "ParameterNotFound";
    private const string TooManyUpdates = "TooManyUpdates";

    private readonly SdkClientFactory _clients = clients ?? throw new ArgumentNullException(nameof(clients));

    /// <summary>How many GetParametersByPath pages one listing reads at most (AWS may answer pages with fewer than
    /// <see cref="PageSize"/> items, even none, and a NextToken, so pages are what is bounded).</summary>
    public int MaxPages { get; init; } = 100;

    /// <inheritdoc />
    public async Task<string> GetAsync(string region, string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var client = _clients.Ssm(region);
        var response = await SdkErrors.InvokeAsync(
            AwsServiceInfo.Ssm,
            "GetParameter",
            _clients.Time,
            token => client.GetParameterAsync(new GetParameterRequest { Name = name, WithDecryption = true }, token),
            cancellationToken).ConfigureAwait(false);
        return response.Parameter.Value;
    }

    /// <inheritdoc />
    /// <remarks>PutParameter with <c>Overwrite=false</c>: SSM creates the name or answers ParameterAlreadyExists. A
    /// concurrent write of the same name may instead be answered TooManyUpdates; neither wrote anything, so both are
    /// <c>false</c>.</remarks>
    public async Task<bool> TryCreateAsync(string region, string name, string value, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(value);
        var client = _clients.Ssm(region);
        try
        {
            await SdkErrors.InvokeAsync(
                AwsServiceInfo.Ssm,
                "PutParameter",
                token => client.PutParameterAsync(new PutParameterRequest { Name = name, Value = value, Type = ParameterType.String, Overwrite = false }, token),
                cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (CloudCallFailedException ex) when (ex.Code is AlreadyExists or TooManyUpdates)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public async Task PutAsync(string region, string name, string value, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(value);
        var client = _clients.Ssm(region);
        try
        {
            await SdkErrors.InvokeAsync(
                AwsServiceInfo.Ssm,
                "PutParameter",
                token => client.PutParameterAsync(new PutParameterRequest { Name = name, Value = value, Type = ParameterType.String, Overwrite = true }, token),
                cancellationToken).ConfigureAwait(false);
        }
        catch (CloudCallFailedException ex) when (ex.Code is TooManyUpdates && ex is not CloudBusyException)
        {
            throw new CloudBusyException(ex.Error, ex);
        }
    }

    /// <inheritdoc />
    /// <remarks>GetParametersByPath, not recursive, <see cref="PageSize"/> per page, at most <see cref="MaxPages"/> pages;
    /// values are not decrypted (EfsDr writes String parameters).</remarks>
    public async Task<IReadOnlyList<StoredParameter>> ListByPathAsync(string region, string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var client = _clients.Ssm(region);
        var parameters = new List<StoredParameter>();
        var pages = new PageMarkers(AwsServiceInfo.Ssm.ErrorService, "GetParametersByPath", int.MaxValue);
        string? token = null;
        for (var page = 0; page < MaxPages; page++)
        {
            var request = new GetParametersByPathRequest { Path = path, Recursive = false, WithDecryption = false, MaxResults = PageSize, NextToken = token };
            var response = await SdkErrors.InvokeAsync(
                AwsServiceInfo.Ssm,
                "GetParametersByPath",
                t => client.GetParametersByPathAsync(request, t),
                cancellationToken).ConfigureAwait(false);
            foreach (var p in response.Parameters ?? [])
            {
                parameters.Add(ToModel(p));
            }

            token = pages.After(response.NextToken);
            if (token is null)
            {
                return parameters;
            }
        }

        throw new TooManyParametersException(region, path, MaxPages * PageSize);
    }

    /// <inheritdoc />
    public async Task DeleteAsync(string region, string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var client = _clients.Ssm(region);
        try
        {
            await SdkErrors.InvokeAsync(
                AwsServiceInfo.Ssm,
                "DeleteParameter",
                token => client.DeleteParameterAsync(new DeleteParameterRequest { Name = name }, token),
                cancellationToken).ConfigureAwait(false);
        }
        catch (CloudCallFailedException ex) when (ex.Code is NotFound)
        {
            // already gone: done
        }
        catch (CloudCallFailedException ex) when (ex.Code is TooManyUpdates && ex is not CloudBusyException)
        {
            throw new CloudBusyException(ex.Error, ex);
        }
    }

    private static StoredParameter ToModel(Parameter p) =>
        new(
            p.Name ?? string.Empty,
            p.Value ?? string.Empty,
            p.Version ?? 0,
            p.LastModifiedDate is { } modified ? Utc(modified) : null);

    /// <summary>The SDK's DateTime as UTC (a Local one is converted; an Unspecified one is taken as UTC).</summary>
    private static DateTimeOffset Utc(DateTime time) =>
        new(time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : DateTime.SpecifyKind(time, DateTimeKind.Utc));
}
