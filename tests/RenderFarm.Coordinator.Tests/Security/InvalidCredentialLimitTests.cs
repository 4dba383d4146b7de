using System.Security.Cryptography;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using RenderFarm.Coordinator.Security;
using RenderFarm.Coordinator.Storage;
using RenderFarm.Coordinator.Tests.Support;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.Security;

/// <summary>
/// Wrong credentials count against the calling address's budget, as enrollment guesses do, on a fake clock: after the
/// burst an address's wrong keys get ResourceExhausted; other addresses, and valid keys from the same address, are
/// served as before; the budget refills with time.
/// </summary>
public sealed class InvalidCredentialLimitTests : IAsyncLifetime
{
    private const string Method = "/renderfarm.v1.JobService/ListJobs";
    private const string Attacker = "ipv4:10.0.0.1";
    private const string Neighbour = "ipv4:10.0.0.2:41000";
    private readonly DomainHarness _h = new();
    private readonly SecurityOptions _options = new() { RequestsPerSecond = 50, RequestBurst = 200, BootstrapOperatorKey = "rfk_bootstrap-" + new string('b', 24) };
    private AccessInterceptor _interceptor = null!;
    private CallerLimits _limits = null!;
    private string _validKey = null!;

    public async Task InitializeAsync()
    {
        var store = new AccessStore((SqlJobStore)_h.Store);
        _validKey = (await new ApiKeys(store, _h.Time).CreateAsync("editor", Role.Viewer, CancellationToken.None)).Key;
        _limits = new CallerLimits(Options.Create(_options), _h.Time);
        _interceptor = new AccessInterceptor(new Authenticator(store, Options.Create(_options)), _limits, NullLogger<AccessInterceptor>.Instance);
    }

    public Task DisposeAsync() => _h.DisposeAsync().AsTask();

    private async Task<StatusCode> CallAsync(string peer, string? key)
    {
        var headers = new Metadata();
        if (key is not null) headers.Add("authorization", "Bearer " + key);
        try
        {
            await _interceptor.UnaryServerHandler<ListJobsRequest, ListJobsResponse>(new ListJobsRequest(), new TestCallContext(Method, peer, headers),
                (_, _) => Task.FromResult(new ListJobsResponse()));
            return StatusCode.OK;
        }
        catch (RpcException ex)
        {
            Assert.False(string.IsNullOrWhiteSpace(ex.Status.Detail));
            return ex.StatusCode;
        }
    }

    private static string RandomKey() => "rfk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    private async Task<Dictionary<StatusCode, int>> FloodAsync(int calls, string peer = Attacker)
    {
        var counts = new Dictionary<StatusCode, int>();
        for (var i = 0; i < calls; i++)
        {
            var status = await CallAsync($"{peer}:{40000 + (i % 20000)}", RandomKey());
            counts[status] = counts.GetValueOrDefault(status) + 1;
        }

        return counts;
    }

    [Fact]
    public async Task RandomInvalidKeys_5000FromOneAddress_ResourceExhaustedAfterTheBurst_OthersServed()
    {
        var counts = await FloodAsync(5000);

        Assert.Equal(_options.RequestBurst, counts[StatusCode.Unauthenticated]);
        Assert.Equal(5000 - _options.RequestBurst, counts[StatusCode.ResourceExhausted]);
        Assert.Equal(StatusCode.Unauthenticated, await CallAsync(Neighbour, RandomKey()));
        Assert.Equal(StatusCode.OK, await CallAsync(Attacker + ":40001", _validKey));
        Assert.Equal(StatusCode.OK, await CallAsync(Neighbour, _options.BootstrapOperatorKey));
    }

    [Fact]
    public async Task ExhaustedAddress_BootstrapKeyIsNotAccepted_UntilTheBudgetRefills()
    {
        await FloodAsync(_options.RequestBurst);

        Assert.Equal(StatusCode.ResourceExhausted, await CallAsync(Attacker + ":40001", _options.BootstrapOperatorKey));
        _h.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(StatusCode.OK, await CallAsync(Attacker + ":40001", _options.BootstrapOperatorKey));
    }

    [Fact]
    public async Task Budget_RefillsAtTheConfiguredRate_AndRefilledAddressesAreForgotten()
    {
        await FloodAsync(_options.RequestBurst + 10);

        _h.Time.Advance(TimeSpan.FromSeconds(1));
        var second = await FloodAsync(100);
        Assert.Equal(_options.RequestsPerSecond, second[StatusCode.Unauthenticated]);

        _h.Time.Advance(TimeSpan.FromSeconds(_options.RequestBurst / _options.RequestsPerSecond));
        Assert.Equal(_options.RequestBurst, (await FloodAsync(_options.RequestBurst + 1))[StatusCode.Unauthenticated]);

        _h.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(StatusCode.Unauthenticated, await CallAsync(Neighbour, RandomKey()));
        Assert.Equal(1, _limits.Partitions);
    }

    [Fact]
    public async Task EnrollmentGuessesAndWrongKeys_ShareTheAddressBudget()
    {
        await FloodAsync(_options.RequestBurst);

        var enroll = new TestCallContext("/renderfarm.v1.AccessService/EnrollAgent", Attacker + ":40001", []);
        var refused = await Assert.ThrowsAsync<RpcException>(() => _interceptor.UnaryServerHandler<EnrollAgentRequest, EnrollAgentResponse>(
            new EnrollAgentRequest(), enroll, (_, _) => Task.FromResult(new EnrollAgentResponse())));

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
    }
}
