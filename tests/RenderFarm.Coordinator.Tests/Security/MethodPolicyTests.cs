using Google.Protobuf.Reflection;
using RenderFarm.Coordinator.Security;
using RenderFarm.Protos.V1;

namespace RenderFarm.Coordinator.Tests.Security;

public sealed class MethodPolicyTests
{
    public static TheoryData<string> Methods()
    {
        var data = new TheoryData<string>();
        foreach (var service in new ServiceDescriptor[] { JobService.Descriptor, FarmService.Descriptor, AgentService.Descriptor, AccessService.Descriptor, TransferService.Descriptor })
        {
            foreach (var method in service.Methods) data.Add($"/{service.FullName}/{method.Name}");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void EveryRpc_IsListedWithTheRoleItNeeds(string method) =>
        Assert.True(MethodPolicy.IsListed(method), $"{method} is missing from MethodPolicy: say which role it needs");

    [Fact]
    public void UnknownServiceMethod_RefusedToEveryone() =>
        Assert.Null(MethodPolicy.For("/other.v1.Thing/Do"));
}
