using Coordinators.Actors.Sessions;
using Coordinators.Host.Demo;
using Coordinators.Actors.Model;

namespace Coordinators.Tests.Demo;

public sealed class FaultPlanTests
{
    [Fact]
    public void Create_All_FourPrimaryFaultsPerCoordinatorOneKillPerNodeKindAndOneGuardedNodeKill()
    {
        var plan = FaultPlan.Create("all", seed: 3);

        Assert.Equal(20, plan.Count);
        Assert.Equal(Enumerable.Range(1, 20), plan.Select(f => f.Index));
        foreach (var role in Roles.Coordinators)
        {
            Assert.Equal([FaultKind.SigTerm, FaultKind.SigKill, FaultKind.SigStop, FaultKind.SigKillGuarded], plan.Where(f => f.Role == role).Select(f => f.Kind));
        }
        Assert.Equal([Roles.DataNode, Roles.IndexNode, Roles.QueryNode], plan.Where(f => f.Kind == FaultKind.NodeKill).Select(f => f.Role).Order());
        // The guarded node kill hits the kind of the first plain node kill, right after it, so the two rows compare.
        var guardedNode = plan.Single(f => f.Kind == FaultKind.NodeKillGuarded);
        Assert.Equal(plan.First(f => f.Kind == FaultKind.NodeKill).Role, guardedNode.Role);
        Assert.True(FaultKinds.NeedsGuards(plan));
        Assert.False(FaultKinds.NeedsGuards(FaultPlan.Create("quick", seed: 3)));
    }

    [Fact]
    public void Create_SigkillGuarded_AGuardedKillPerCoordinatorAndOneGuardedNodeKill()
    {
        var plan = FaultPlan.Create("sigkill-guarded", seed: 2);

        Assert.Equal(4, plan.Count(f => f.Kind == FaultKind.SigKillGuarded));
        Assert.Equal(Roles.Coordinators.Order(), plan.Where(f => f.Kind == FaultKind.SigKillGuarded).Select(f => f.Role).Order());
        Assert.False(Roles.IsCoordinator(plan.Single(f => f.Kind == FaultKind.NodeKillGuarded).Role));
        Assert.Equal(5, plan.Count);
        Assert.True(FaultKind.NodeKillGuarded.IsNode() && !FaultKind.SigKillGuarded.IsNode());
        var guardedNode = plan.Single(f => f.Kind == FaultKind.NodeKillGuarded).Role;
        Assert.Equal(Roles.Coordinators.Append(guardedNode).Order(StringComparer.Ordinal), FaultKinds.GuardedRoles(plan).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Create_SameSeed_SameOrder_OtherSeed_Shuffled()
    {
        var a = FaultPlan.Create("all", seed: 5).Select(f => f.Role).ToList();
        var b = FaultPlan.Create("all", seed: 5).Select(f => f.Role).ToList();
        var orders = Enumerable.Range(0, 20).Select(s => string.Join(',', FaultPlan.Create("sigterm", s).Select(f => f.Role))).Distinct().Count();

        Assert.Equal(a, b);
        Assert.True(orders > 1, "every seed gave the same role order");
    }

    [Fact]
    public void Create_Quick_OneSigtermOneSigkillOneNodeKill()
    {
        var plan = FaultPlan.Create("quick", seed: 1);

        Assert.Equal([FaultKind.SigTerm, FaultKind.SigKill, FaultKind.NodeKill], plan.Select(f => f.Kind));
        Assert.NotEqual(plan[0].Role, plan[1].Role);
        Assert.True(Roles.IsCoordinator(plan[0].Role) && Roles.IsCoordinator(plan[1].Role));
        Assert.False(Roles.IsCoordinator(plan[2].Role));
    }

    [Fact]
    public void Create_List_OnlyTheNamedKinds()
    {
        var plan = FaultPlan.Create("SIGKILL, nodekill", seed: 1);

        Assert.Equal(4, plan.Count(f => f.Kind == FaultKind.SigKill));
        Assert.Equal(3, plan.Count(f => f.Kind == FaultKind.NodeKill));
        Assert.Equal(7, plan.Count);
        Assert.Empty(FaultPlan.Create("none", seed: 1));
    }

    [Fact]
    public void Create_UnknownWord_ThrowsNamingIt()
    {
        var e = Assert.Throws<ArgumentException>(() => FaultPlan.Create("sigterm,sighup", seed: 1));

        Assert.Contains("'sighup'", e.Message, StringComparison.Ordinal);
    }
}
