// lightning/platformShowToastEvent exists only inside Lightning Experience; the preview's page
// says the same message in its live region, so the event itself needs no one to listen.
export class ShowToastEvent extends CustomEvent {
  constructor(toast) {
    super('lightning__showtoast', { composed: true, cancelable: true, bubbles: true, detail: toast });
  }
}
