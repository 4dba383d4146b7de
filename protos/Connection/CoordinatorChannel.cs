using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;

namespace RenderFarm.Protos.Connection;

/// <summary>
/// A channel to one coordinator, or to the first reachable of several that share a database. With several
/// addresses the channel uses gRPC's static resolver and <c>pick_first</c> balancing: it connects to the
/// first address that answers, and when that connection breaks it moves on to the next one by itself.
/// </summary>
public static class CoordinatorChannel
{
    /// <summary>Splits a list of coordinator URLs (comma-separated), refusing anything that is not http:// or https://.</summary>
    public static bool TryParse(string text, out IReadOnlyList<Uri> addresses, out string? problem)
    {
        var list = new List<Uri>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Uri.TryCreate(part, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                addresses = [];
                problem = $"'{part}' is not an http:// or https:// URL, e.g. http://farm-coordinator:7400";
                return false;
            }

            list.Add(uri);
        }

        if (list.Count == 0)
        {
            addresses = [];
            problem = "no coordinator address given, e.g. http://farm-coordinator:7400";
            return false;
        }

        if (list.Select(u => u.Scheme).Distinct().Count() > 1)
        {
            addresses = [];
            problem = "coordinator addresses mix http:// and https://; use one scheme for all of them";
            return false;
        }

        addresses = list;
        problem = null;
        return true;
    }

    /// <summary>A channel over <paramref name="addresses"/>, tried in the order given; <paramref name="options"/> supplies backoffs and the handler.</summary>
    public static GrpcChannel Create(IReadOnlyList<Uri> addresses, GrpcChannelOptions options)
    {
        if (addresses.Count == 1) return GrpcChannel.ForAddress(addresses[0], options);
        var balancerAddresses = addresses.Select(u => new BalancerAddress(u.Host, u.Port)).ToArray();
        options.ServiceProvider = new Services(new StaticResolverFactory(_ => balancerAddresses));
        options.ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new PickFirstConfig() } };
        options.Credentials = addresses[0].Scheme == Uri.UriSchemeHttps ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure;
        return GrpcChannel.ForAddress("static:///coordinators", options);
    }

    private sealed class Services(ResolverFactory resolver) : IServiceProvider
    {
        public object? GetService(Type serviceType) =>
            serviceType == typeof(IEnumerable<ResolverFactory>) ? new[] { resolver }
            : serviceType == typeof(ResolverFactory) ? resolver
            : null;
    }
}
