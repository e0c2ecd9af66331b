export class LmdbStore { static async open(_o: unknown): Promise<never> { throw new Error('todo'); } }
