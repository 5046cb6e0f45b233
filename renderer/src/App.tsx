export function App() {
  return (
    <main>
      <h1>DFS Desktop</h1>
      <p role="status">Waiting for the cluster manager…</p>
    </main>
  );
}
