// The tests run on Linux only: network namespaces, Debian's packages, Python stand-ins and POSIX file modes.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
