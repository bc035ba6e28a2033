namespace Coordinators.Actors;
/// <summary>Marker for the library assembly.</summary>
public static class AssemblyMarker { }
