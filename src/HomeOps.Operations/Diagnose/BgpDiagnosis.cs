using System.Net;
using HomeOps.Compile.Bgp;
using HomeOps.Operations.Tools;

namespace HomeOps.Operations.Diagnose;

/// <summary>
/// One BGP session of the live cluster against the plan: its state and the routes that differ. <see cref="Unanswered"/> says
/// why Cilium did not report this node's session or routes (its agent did not answer): then nothing is concluded about them.
/// </summary>
public sealed record SessionDiagnosis(string Node, bool IsV6, IPAddress Router, string State, int Advertised,
    IReadOnlyList<LbAddress> Missing, IReadOnlyList<string> Unexpected, string? Unanswered = null)
{
    public bool Established => string.Equals(State, "established", StringComparison.OrdinalIgnoreCase);

    public bool Healthy => Unanswered is null && Established && Missing.Count == 0 && Unexpected.Count == 0;
}

/// <summary>
/// `homeops diagnose bgp`: what the cluster should announce (the same LabPlan the lab uses, from the
/// repository) against what Cilium reports it announces (`cilium bgp peers`, `cilium bgp routes
/// advertised`), session by session. Pure: the tool output comes in, findings go out.
/// </summary>
public static class BgpDiagnosis
{
    /// <summary>The nodes of talconfig.yaml whose sessions the plan has (the nodes Cilium is asked about).</summary>
    public static IReadOnlyList<string> Nodes(LabPlan plan) => plan.Topology.Sessions.Select(s => s.Node.Hostname).Distinct().ToList();

    /// <summary>
    /// Against partial answers: a session whose node's agent did not answer (for its peers, or for routes of its family)
    /// is reported as not answered with cilium-cli's reason, never as "advertises nothing".
    /// </summary>
    public static IReadOnlyList<SessionDiagnosis> Compare(LabPlan plan, CiliumBgpAnswer<PeerSession> peerAnswer,
        CiliumBgpAnswer<AdvertisedRoute> routesV4, CiliumBgpAnswer<AdvertisedRoute> routesV6) =>
        plan.Topology.Sessions.Select(session =>
        {
            var node = session.Node.Hostname;
            var peers = peerAnswer.Items;
            var routeAnswer = session.IsV6 ? routesV6 : routesV4;
            var routes = routeAnswer.Items;
            var unanswered = peerAnswer.Unanswered.TryGetValue(node, out var why) ? $"peers: {why}"
                : routeAnswer.Unanswered.TryGetValue(node, out why) ? $"routes: {why}" : null;
            if (unanswered is not null)
                return new SessionDiagnosis(node, session.IsV6, session.RouterAddress, "not answered", 0, [], [], unanswered);
            var state = peers.FirstOrDefault(p => p.Node == node && IPAddress.TryParse(p.PeerAddress, out var a) && a.Equals(session.RouterAddress))?.SessionState
                        ?? "not reported by Cilium";
            var actual = routes.Where(r => r.Node == node && IPAddress.TryParse(r.Peer, out var a) && a.Equals(session.RouterAddress))
                .Select(r => IPNetwork.TryParse(r.Prefix, out var n) ? n : (IPNetwork?)null).OfType<IPNetwork>().ToHashSet();
            var expected = plan.Announced.TryGetValue(session, out var announced) ? announced.ToHashSet() : [];
            var missing = plan.Addresses.Where(a => expected.Contains(a.Route) && !actual.Contains(a.Route)).DistinctBy(a => a.Route).ToList();
            var unexpected = actual.Where(r => !expected.Contains(r)).Select(r => r.ToString()).Order(StringComparer.Ordinal).ToList();
            return new SessionDiagnosis(node, session.IsV6, session.RouterAddress, state, actual.Count, missing, unexpected);
        }).ToList();
}
