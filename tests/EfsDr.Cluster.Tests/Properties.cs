using System.Runtime.Versioning;

// The scripts under test are bash scripts for Linux cluster nodes; so are these tests.
[assembly: SupportedOSPlatform("linux")]
