/**
 * Reads an object, changes it and writes it back, re-reading on 409 Conflict (a controller wrote status in
 * between). Bounded: a conflict that keeps coming back after `attempts` tries is an error, not a loop.
 */
export async function readModifyWrite<T>(
  read: () => Promise<T>,
  write: (obj: T) => Promise<T>,
  mutate: (obj: T) => void,
  attempts = 5,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const obj = await read();
    mutate(obj);
    try {
      return await write(obj);
    } catch (error) {
      if ((error as { code?: number }).code !== 409 || attempt >= attempts) throw error;
    }
  }
}
