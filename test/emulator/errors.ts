/** An error in Salesforce's shape: REST answers it as `[{message, errorCode, fields}]`. */
export class SfError extends Error {
  constructor(
    readonly errorCode: string,
    message: string,
    readonly status = 400,
    readonly fields: string[] = [],
  ) {
    super(message);
  }

  toJSON(): { message: string; errorCode: string; fields?: string[] } {
    return this.fields.length
      ? { message: this.message, errorCode: this.errorCode, fields: this.fields }
      : { message: this.message, errorCode: this.errorCode };
  }
}

export function invalidType(name: string): SfError {
  return new SfError(
    'INVALID_TYPE',
    `sObject type '${name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
  );
}

export function notFound(message = 'The requested resource does not exist'): SfError {
  return new SfError('NOT_FOUND', message, 404);
}
