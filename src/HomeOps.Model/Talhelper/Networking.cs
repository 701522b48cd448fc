using System.Text.Json.Nodes;
using HomeOps.Model.Yaml;

namespace HomeOps.Model.Talhelper;

public sealed class NetworkInterface : Located
{
    public string? Interface { get; set; }
    public DeviceSelector? DeviceSelector { get; set; }
    public List<string>? Addresses { get; set; }
    public List<Route>? Routes { get; set; }
    public int? Mtu { get; set; }
    public bool? Dhcp { get; set; }
    public bool? Ignore { get; set; }
    public Vip? Vip { get; set; }
    public JsonNode? DhcpOptions { get; set; }
    public JsonNode? Vlans { get; set; }
    public JsonNode? Bond { get; set; }
    public JsonNode? Bridge { get; set; }
}

public sealed class DeviceSelector : Located
{
    public string? HardwareAddr { get; set; }
    public string? Driver { get; set; }
    public string? BusPath { get; set; }
    public string? PermanentAddr { get; set; }
    public bool? Physical { get; set; }
}

public sealed class Route : Located
{
    public string? Network { get; set; }
    public string? Gateway { get; set; }
    public string? Source { get; set; }
    public int? Metric { get; set; }
    public int? Mtu { get; set; }
}

public sealed class Vip : Located
{
    [RequiredKey] public string Ip { get; set; } = "";
}
