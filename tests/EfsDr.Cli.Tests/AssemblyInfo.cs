// Every end-to-end world binds the drill's node addresses (127.0.0.11–13:9000): one collection, one world at a time.
[assembly: CollectionBehavior(CollectionBehavior.CollectionPerAssembly)]
