/** An operator's request the admin API cannot carry out; answered as JSON with every problem listed. */
export class AdminRequestError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    description: string,
    readonly problems: string[] = [],
  ) {
    super(description);
    this.name = 'AdminRequestError';
  }
}
