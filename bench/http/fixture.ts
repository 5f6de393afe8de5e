// The data every case runs against, made through flagship's own API so both servers read the same rows: one
// organization, a project of seeded tasks to read (a third labelled `bug`, half with "login" in the title), and a
// second project that only the create case writes to, so the reads see the same table whatever ran before them.

export interface Fixture {
  readonly token: string;
  readonly readProject: string;
  readonly writeProject: string;
  readonly task: string;
}

async function call(base: string, method: string, route: string, token: string | undefined, body: unknown): Promise<any> {
  const res = await fetch(base + route, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const answer = await res.json();
  if (res.status !== 201) throw new Error(`seeding: ${method} ${route} answered ${res.status} ${JSON.stringify(answer)}`);
  return answer;
}

export async function seed(base: string, tasks: number): Promise<Fixture> {
  const signup = await call(base, 'POST', '/v1/signup', undefined, {
    org: { name: 'Bench', slug: 'bench' },
    user: { email: 'bench@bench.example', name: 'Bench' },
  });
  const token = signup.token as string;
  const readProject = (await call(base, 'POST', '/v1/projects', token, { name: 'Read', key: 'READ' })).id as string;
  const writeProject = (await call(base, 'POST', '/v1/projects', token, { name: 'Write', key: 'WRITE' })).id as string;
  let task = '';
  // Ten at a time: quicker than one by one, and numbers stay gap-free either way.
  for (let i = 0; i < tasks; i += 10) {
    const batch = Array.from({ length: Math.min(10, tasks - i) }, (_, j) => {
      const n = i + j;
      return call(base, 'POST', `/v1/projects/${readProject}/tasks`, token, {
        title: n % 2 === 0 ? `Login page fails for user ${n}` : `Seeded task ${n}`,
        labels: n % 3 === 0 ? ['bug', 'seed'] : ['seed'],
      });
    });
    const made = await Promise.all(batch);
    task ||= made[0].id as string;
  }
  return { token, readProject, writeProject, task };
}
